/**
 * The arithmetic of convolution on dense arrays, shared by conv2d and convTranspose2d: im2col
 * + one batched GEMM per group, its two adjoints, and the bias. The batch is processed in
 * chunks so the unfolded columns stay under a fixed number of elements (2^24) whatever the batch and image
 * size (a 224×224 ResNet stem unfolds to 1.8M values per image).
 */
import { getBackend, type Window2d } from '../backend/index.js';
import { allocate, type FloatArray } from '../tensor/dtype.js';

/** A convolution's window plus its output channels and groups. */
export interface ConvGeometry extends Window2d {
  readonly outChannels: number;
  readonly groups: number;
}

let colsLimit = 1 << 24;

/** @internal Sets the chunk size limit (unfolded elements); tests use it to force chunking. Returns the old one. */
export function setColsLimit(limit: number): number {
  const old = colsLimit;
  colsLimit = limit;
  return old;
}

function like(a: FloatArray, size: number): FloatArray {
  return allocate(a instanceof Float64Array ? 'float64' : 'float32', size) as FloatArray;
}

// Unfolded columns and partial products are the largest allocations of a CNN step, live only
// within one call and never escape it, so up to SCRATCH_MAX elements are reused instead of
// becoming garbage. Two slots: a call holds at most one 'cols' and one 'tmp' buffer at a time.
const SCRATCH_MAX = 1 << 21;
const scratch = new Map<string, FloatArray>();

/** A temporary of `size` elements with `a`'s type; contents are garbage (callers overwrite it). */
function temp(a: FloatArray, size: number, slot: 'cols' | 'tmp'): FloatArray {
  if (size > SCRATCH_MAX) return like(a, size);
  const key = `${slot}:${a instanceof Float64Array ? 64 : 32}`;
  let buf = scratch.get(key);
  if (!buf || buf.length < size) {
    buf = like(a, Math.min(SCRATCH_MAX, Math.max(size, 2 * (buf?.length ?? 0))));
    scratch.set(key, buf);
  }
  return buf.subarray(0, size);
}

// Columns kept from the forward pass for the weight gradient, so backward skips one im2col per
// layer (measured ~0.7 CPU-ms per LeNet-5 conv at batch 64). Bounded: a layer keeps them only up to
// KEEP_MAX elements, and released buffers wait in a pool of at most POOL_MAX elements for the next
// forward of the same size, so a training loop reuses them instead of allocating every step.
const KEEP_MAX = 1 << 22;
const POOL_MAX = 1 << 24;
const pool: FloatArray[] = [];
let pooled = 0;

/** Columns a forward pass can keep for backward (see `KeptCols`), or null when they are too large or not needed. */
export function keepCols(x: FloatArray, g: ConvGeometry): KeptCols | null {
  const size = g.batch * g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
  if (isPointwise(g) || size === 0 || size > KEEP_MAX || size > colsLimit) return null;
  const f64 = x instanceof Float64Array;
  const i = pool.findIndex((b) => b.length === size && b instanceof Float64Array === f64);
  let data: FloatArray;
  if (i >= 0) {
    data = pool.splice(i, 1)[0];
    pooled -= size;
  } else data = like(x, size);
  return { data, filled: false };
}

/** Unfolded columns owned by one convolution node until `releaseCols` hands them back to the pool. */
export interface KeptCols {
  data: FloatArray | null;
  filled: boolean;
}

/** Returns kept columns to the pool; later uses of `kept` unfold again. */
export function releaseCols(kept: KeptCols | null): void {
  if (!kept?.data) return;
  if (pooled + kept.data.length <= POOL_MAX) {
    pool.push(kept.data);
    pooled += kept.data.length;
  }
  kept.data = null;
}

/** Calls `fn` per chunk of images with the chunk's geometry and the offsets of its input and output. */
function forEachChunk(
  g: ConvGeometry,
  fn: (cg: ConvGeometry, inRange: [number, number], outRange: [number, number]) => void,
): void {
  const inPer = g.channels * g.height * g.width;
  const outPer = g.outChannels * g.outH * g.outW;
  const colsPer = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
  const step = Math.max(1, Math.floor(colsLimit / Math.max(1, colsPer)));
  for (let start = 0; start < g.batch; start += step) {
    const nb = Math.min(step, g.batch - start);
    fn(
      nb === g.batch ? g : { ...g, batch: nb },
      [start * inPer, (start + nb) * inPer],
      [start * outPer, (start + nb) * outPer],
    );
  }
}

/** Copies `[batch, rows, cols]` from `src` into rows `[rowStart, rowStart + rows)` of each `[batch, totalRows, cols]` in `dst`. */
function copyRows(
  src: FloatArray,
  dst: FloatArray,
  batch: number,
  rows: number,
  cols: number,
  rowStart: number,
  totalRows: number,
): void {
  for (let n = 0; n < batch; n++)
    dst.set(src.subarray(n * rows * cols, (n + 1) * rows * cols), (n * totalRows + rowStart) * cols);
}

/** A 1×1, stride-1, unpadded window: im2col is the identity, so the input is its own cols. */
function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kernelH === 1 &&
    g.kernelW === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.padH === 0 &&
    g.padW === 0 &&
    g.outH === g.height &&
    g.outW === g.width
  );
}

function unfold(x: FloatArray, g: ConvGeometry): FloatArray {
  if (isPointwise(g)) return x.subarray(0, g.batch * g.channels * g.height * g.width);
  const cols = temp(x, g.batch * g.channels * g.kernelH * g.kernelW * g.outH * g.outW, 'cols');
  if (cols.length > 0) getBackend().im2col(x, cols, g);
  return cols;
}

function sizes(g: ConvGeometry): { L: number; ck: number; co: number } {
  return { L: g.outH * g.outW, ck: (g.channels / g.groups) * g.kernelH * g.kernelW, co: g.outChannels / g.groups };
}

/**
 * Y[n, group] = W[group] · im2col(X)[n, group] (+ bias): x `[N, channels, height, width]` → out
 * `[N, outChannels, outH, outW]`. A backend's fused kernel runs it when it can (kept columns are
 * then handed back unused); otherwise im2col and one GEMM per group.
 */
export function convForward(
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  g: ConvGeometry,
  out: FloatArray,
  kept: KeptCols | null = null,
): void {
  if (g.groups === 1 && getBackend().conv2d?.forward(x, w, bias, out, g)) {
    releaseCols(kept);
    return;
  }
  const { L, ck, co } = sizes(g);
  forEachChunk(g, (cg, xr, yr) => {
    let cols: FloatArray;
    if (kept?.data) {
      // keepCols only hands out buffers for a single chunk, so this is the whole batch.
      getBackend().im2col(x, kept.data, cg);
      kept.filled = true;
      cols = kept.data;
    } else cols = unfold(x.subarray(...xr), cg);
    const y = out.subarray(...yr);
    const tmp = cg.groups === 1 ? y : temp(out, cg.batch * co * L, 'tmp');
    for (let grp = 0; grp < cg.groups; grp++) {
      getBackend().matmul(
        w.subarray(grp * co * ck),
        cols.subarray(grp * ck * L),
        tmp,
        cg.batch,
        co,
        ck,
        L,
        false,
        false,
        0,
        cg.groups * ck * L,
      );
      if (cg.groups > 1) copyRows(tmp, y, cg.batch, co, L, grp * co, cg.outChannels);
    }
  });
  if (bias) addBias(out, bias, g.batch, g.outChannels, L);
}

/** dX = col2im(W[group]ᵀ · dY[n, group]): the adjoint of `convForward` in x. */
export function convInputGrad(dy: FloatArray, w: FloatArray, g: ConvGeometry, dx: FloatArray): void {
  if (g.groups === 1 && getBackend().conv2d?.inputGrad(dy, w, dx, g)) return;
  const { L, ck, co } = sizes(g);
  forEachChunk(g, (cg, xr, yr) => {
    const gy = dy.subarray(...yr);
    const pointwise = isPointwise(cg);
    const dcols = pointwise ? dx.subarray(...xr) : temp(dx, cg.batch * cg.groups * ck * L, 'cols');
    const tmp = cg.groups === 1 ? dcols : temp(dx, cg.batch * ck * L, 'tmp');
    for (let grp = 0; grp < cg.groups; grp++) {
      getBackend().matmul(
        w.subarray(grp * co * ck),
        gy.subarray(grp * co * L),
        tmp,
        cg.batch,
        ck,
        co,
        L,
        true,
        false,
        0,
        cg.outChannels * L,
      );
      if (cg.groups > 1) copyRows(tmp, dcols, cg.batch, ck, L, grp * ck, cg.groups * ck);
    }
    if (!pointwise) getBackend().col2im(dcols, dx.subarray(...xr), cg);
  });
}

/**
 * dW[group] = Σₙ dY[n, group] · im2col(X)[n, group]ᵀ (overwrites dw), and with `db`, also
 * db = Σ dY over batch and positions (overwrites db).
 */
export function convWeightGrad(
  dy: FloatArray,
  x: FloatArray,
  g: ConvGeometry,
  dw: FloatArray,
  kept: KeptCols | null = null,
  db: FloatArray | null = null,
): void {
  if (g.groups === 1 && getBackend().conv2d?.weightGrad(dy, x, dw, db, g)) return;
  const { L, ck, co } = sizes(g);
  if (db) {
    db.fill(0);
    biasGrad(dy, g.batch, g.outChannels, L, db);
  }
  dw.fill(0);
  const sum = like(dw, co * ck);
  forEachChunk(g, (cg, xr, yr) => {
    const cols = kept?.data && kept.filled ? kept.data : unfold(x.subarray(...xr), cg);
    const gy = dy.subarray(...yr);
    const per = temp(dw, cg.batch * co * ck, 'tmp');
    for (let grp = 0; grp < cg.groups; grp++) {
      getBackend().matmul(
        gy.subarray(grp * co * L),
        cols.subarray(grp * ck * L),
        per,
        cg.batch,
        co,
        L,
        ck,
        false,
        true,
        cg.outChannels * L,
        cg.groups * ck * L,
      );
      getBackend().reduce.sum(per, sum, 1, cg.batch, co * ck);
      const slice = dw.subarray(grp * co * ck, (grp + 1) * co * ck);
      for (let i = 0; i < slice.length; i++) slice[i] += sum[i];
    }
  });
}

/** out[n, c, :] += bias[c] over `[batch, channels, L]`. */
export function addBias(out: FloatArray, bias: FloatArray, batch: number, channels: number, L: number): void {
  getBackend().ops.addChannelBias(out, bias, batch, channels, L);
}

/** db[c] += Σ dY over batch and positions, per channel of `[batch, channels, L]`. */
export function biasGrad(dy: FloatArray, batch: number, channels: number, L: number, db: FloatArray): void {
  getBackend().ops.channelBiasGrad(dy, batch, channels, L, db);
}
