/**
 * Elementwise kernels of the hot training path as monomorphic loops. The reference backend
 * shares one loop across all ops through a callback, which V8 cannot inline once several ops
 * have run; copying into WASM would cost as much as the loop itself, so these stay in JS.
 * Only common layouts are special-cased (dense, scalar, last-axis row broadcast); anything else
 * goes to the reference kernels, and results are bit-identical to them.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { jsBackend } from '../js/index.js';
import type { BinaryOp, Kernels, Strided } from '../kernels.js';

type Loop = (
  a: TypedArray,
  ao: number,
  as: number,
  b: TypedArray,
  bo: number,
  bs: number,
  out: TypedArray,
  o: number,
  n: number,
) => void;

// One function per op so each loop body stays monomorphic. as/bs are 1 (dense) or 0 (broadcast).
const LOOPS: Partial<Record<BinaryOp, Loop>> = {
  add: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] + b[bo + i * bs];
  },
  sub: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] - b[bo + i * bs];
  },
  mul: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] * b[bo + i * bs];
  },
  div: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] / b[bo + i * bs];
  },
  // +(x > y) compiles to a flag set, not a branch that random signs would mispredict.
  gt: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = +(a[ao + i * as] > b[bo + i * bs]);
  },
  ge: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = +(a[ao + i * as] >= b[bo + i * bs]);
  },
  lt: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = +(a[ao + i * as] < b[bo + i * bs]);
  },
  le: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = +(a[ao + i * as] <= b[bo + i * bs]);
  },
  eq: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = +(a[ao + i * as] === b[bo + i * bs]);
  },
  ne: (a, ao, as, b, bo, bs, out, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = +(a[ao + i * as] !== b[bo + i * bs]);
  },
};

type Loop32 = (
  a: Float32Array,
  ao: number,
  as: number,
  b: Float32Array,
  bo: number,
  bs: number,
  out: Float32Array,
  o: number,
  n: number,
) => void;

// The same loops for float32 operands only (the training path): element access stays monomorphic
// even after other element types ran through LOOPS (~30% faster on a bias add). Same results.
const LOOPS32: Partial<Record<BinaryOp, Loop32>> = {
  add: (a, ao, as, b, bo, bs, out, o, n) => {
    if (as === 1 && bs === 1) for (let i = 0; i < n; i++) out[o + i] = a[ao + i] + b[bo + i];
    else for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] + b[bo + i * bs];
  },
  sub: (a, ao, as, b, bo, bs, out, o, n) => {
    if (as === 1 && bs === 1) for (let i = 0; i < n; i++) out[o + i] = a[ao + i] - b[bo + i];
    else for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] - b[bo + i * bs];
  },
  mul: (a, ao, as, b, bo, bs, out, o, n) => {
    if (as === 1 && bs === 1) for (let i = 0; i < n; i++) out[o + i] = a[ao + i] * b[bo + i];
    else for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] * b[bo + i * bs];
  },
  div: (a, ao, as, b, bo, bs, out, o, n) => {
    if (as === 1 && bs === 1) for (let i = 0; i < n; i++) out[o + i] = a[ao + i] / b[bo + i];
    else for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as] / b[bo + i * bs];
  },
};

/** Inner (last-axis) stride if `s` is dense (1), a scalar (0), or a row broadcast [.., 0, 1]-like; else -1 = not handled. */
function layout(s: Strided, shape: Shape): 'dense' | 'scalar' | 'row' | null {
  const r = shape.length;
  let dense = true;
  let scalar = true;
  let expect = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (s.strides[d] !== expect) dense = false;
    if (s.strides[d] !== 0) scalar = false;
    expect *= shape[d];
  }
  if (dense) return 'dense';
  if (scalar) return 'scalar';
  // Broadcast over every leading axis of a dense last axis (a bias added to a batch).
  if (r >= 2 && s.strides[r - 1] === 1 && s.strides.slice(0, r - 1).every((st, d) => st === 0 || shape[d] === 1))
    return 'row';
  return null;
}

function fastBinary(op: BinaryOp, loop64: Loop): Kernels['binary'][BinaryOp] {
  const ref = jsBackend.binary[op];
  const loop32 = LOOPS32[op] as Loop | undefined;
  return (a: Strided, b: Strided, out: TypedArray, shape: Shape) => {
    const la = layout(a, shape);
    const lb = layout(b, shape);
    const n = out.length;
    if (la === null || lb === null || (la === 'row' && lb === 'row') || n === 0) return ref(a, b, out, shape);
    const f32 = out instanceof Float32Array && a.data instanceof Float32Array && b.data instanceof Float32Array;
    const loop = f32 && loop32 ? loop32 : loop64;
    if (la !== 'row' && lb !== 'row') {
      loop(a.data, a.offset, la === 'dense' ? 1 : 0, b.data, b.offset, lb === 'dense' ? 1 : 0, out, 0, n);
      return;
    }
    const cols = shape[shape.length - 1];
    for (let o = 0; o < n; o += cols) {
      const ao = la === 'row' ? a.offset : la === 'dense' ? a.offset + o : a.offset;
      const bo = lb === 'row' ? b.offset : lb === 'dense' ? b.offset + o : b.offset;
      loop(a.data, ao, la === 'scalar' ? 0 : 1, b.data, bo, lb === 'scalar' ? 0 : 1, out, o, cols);
    }
  };
}

const table: { -readonly [P in BinaryOp]: Kernels['binary'][P] } = { ...jsBackend.binary };
for (const [op, loop] of Object.entries(LOOPS) as [BinaryOp, Loop][]) table[op] = fastBinary(op, loop);
export const binary: Kernels['binary'] = table;

/** Arrays shorter than this skip the bit-pattern loops (three typed-array views per call). */
const SMALL = 64;

/**
 * float32 ReLU on the bit patterns, branch-free (a compare-and-branch mispredicts on every other
 * element of zero-mean data, 4x slower): clears values whose sign bit is set unless they are NaN.
 * Same results as the reference, -0 -> +0 and NaN kept included.
 */
function reluBits(x: Float32Array, out: Float32Array): void {
  const xi = new Int32Array(x.buffer, x.byteOffset, out.length);
  const oi = new Int32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < oi.length; i++) {
    const v = xi[i];
    const nan = (0x7f800000 - (v & 0x7fffffff)) >> 31;
    oi[i] = v & ~((v >> 31) & ~nan);
  }
}

export const unary: Kernels['unary'] = {
  ...jsBackend.unary,
  relu: (x, out) => {
    // Below SMALL the Int32Array views cost more than the reference loop's mispredictions.
    if (x instanceof Float32Array && out instanceof Float32Array && out.length >= SMALL) reluBits(x, out);
    else jsBackend.unary.relu(x, out);
  },
};

/**
 * `out = cond ? a : b` for a dense bool condition and float32 operands that are dense or scalars,
 * as a bit-select on the float bit patterns: no branch for random masks to mispredict (ReLU's
 * backward is `where(y <= 0, 0, dy)`). Everything else goes to the reference.
 */
export function where(cond: Strided, a: Strided, b: Strided, out: TypedArray, shape: Shape): void {
  const la = layout(a, shape);
  const lb = layout(b, shape);
  const ok =
    cond.data instanceof Uint8Array &&
    out instanceof Float32Array &&
    a.data instanceof Float32Array &&
    b.data instanceof Float32Array;
  if (
    !ok ||
    layout(cond, shape) !== 'dense' ||
    (la !== 'dense' && la !== 'scalar') ||
    (lb !== 'dense' && lb !== 'scalar')
  ) {
    jsBackend.where(cond, a, b, out, shape);
    return;
  }
  const c = cond.data;
  const co = cond.offset;
  const ai = new Int32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const bi = new Int32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  const oi = new Int32Array(out.buffer, out.byteOffset, out.length);
  const as = la === 'dense' ? 1 : 0;
  const bs = lb === 'dense' ? 1 : 0;
  for (let i = 0; i < oi.length; i++) {
    const v = c[co + i];
    const mask = -((v | -v) >>> 31); // all ones for any nonzero condition byte
    oi[i] = (ai[a.offset + i * as] & mask) | (bi[b.offset + i * bs] & ~mask);
  }
}

/**
 * ReLU's backward `out = y <= 0 ? 0 : dy` on float32 bit patterns, branch-free: y <= 0 is
 * ±0, or a set sign bit on a non-NaN; the result is +0 there, as `where(le(y, 0), 0, dy)` gives.
 */
export function reluBackward(y: Float32Array, dy: Float32Array, out: Float32Array): void {
  const n = out.length;
  if (n < SMALL) {
    // A batch-1 layer: the reference's comparison (NaN y passes dy, ±0 gives +0), no views.
    for (let i = 0; i < n; i++) out[i] = y[i] <= 0 ? 0 : dy[i];
    return;
  }
  const yi = new Int32Array(y.buffer, y.byteOffset, n);
  const di = new Int32Array(dy.buffer, dy.byteOffset, n);
  const oi = new Int32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const v = yi[i];
    const abs = v & 0x7fffffff;
    const le = ((v >> 31) & ((abs - 0x7f800001) >> 31)) | ((abs - 1) >> 31);
    oi[i] = di[i] & ~le;
  }
}

/** Edge of the square tiles a 2-D strided copy (a transpose, typically) walks in. */
const TILE = 32;

/** 2-D strided copy in TILE x TILE tiles, so a transposed read stays within a few cache lines. */
function copy2d(
  s: TypedArray,
  so: number,
  s0: number,
  s1: number,
  d: TypedArray,
  dOff: number,
  d0: number,
  d1: number,
  rows: number,
  cols: number,
): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(cols, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        let si = so + i * s0 + j0 * s1;
        let di = dOff + i * d0 + j0 * d1;
        for (let j = j0; j < j1; j++, si += s1, di += d1) d[di] = s[si];
      }
    }
  }
}

/** Strided copy: one block copy when both sides are dense, tiles for 2-D views (transposes). */
export function copy(src: Strided, dst: Strided, shape: Shape): void {
  const sameType = src.data.constructor === dst.data.constructor;
  if (sameType && layout(src, shape) === 'dense' && layout(dst, shape) === 'dense') {
    let n = 1;
    for (let d = 0; d < shape.length; d++) n *= shape[d];
    const whole = src.offset === 0 && src.data.length === n; // a gradient's own array: no view to make
    (dst.data as Float32Array).set(
      whole ? (src.data as Float32Array) : (src.data as Float32Array).subarray(src.offset, src.offset + n),
      dst.offset,
    );
    return;
  }
  if (sameType && shape.length === 2 && shape[0] * shape[1] >= TILE * TILE) {
    copy2d(
      src.data,
      src.offset,
      src.strides[0],
      src.strides[1],
      dst.data,
      dst.offset,
      dst.strides[0],
      dst.strides[1],
      shape[0],
      shape[1],
    );
    return;
  }
  jsBackend.copy(src, dst, shape);
}

/**
 * `scatterAdd` for float32 with `inner = 1` (max pooling's backward: each plane's gradient goes
 * to the argmax positions) as one monomorphic loop; the reference's generic loop nest costs
 * about four times as much there. Same additions in the same order as the reference.
 */
export function scatterAdd(
  src: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  outSize: number,
  idxSize: number,
  inner: number,
): void {
  if (inner !== 1 || !(src instanceof Float32Array) || !(out instanceof Float32Array)) {
    jsBackend.scatterAdd(src, index, out, outer, outSize, idxSize, inner);
    return;
  }
  for (let o = 0, j = 0; o < outer; o++) {
    const base = o * outSize;
    for (const end = j + idxSize; j < end; j++) out[base + index[j]] += src[j];
  }
}
