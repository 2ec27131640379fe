// Entry of the WASM module: kernels that one or several threads run on a job descriptor
// written by the JS side into shared memory. The calling thread plans the job (`planJob`), then
// every participating thread calls `runJob(job, tid)` and takes chunks until none is left, so
// the same code serves the calling thread and every worker.
import { gemm, gemmPacked, MR, NR, packAll, packedAFloats, SCRATCH_BYTES } from './gemm';
import { convForwardImage, convInputGradImage, convWeightGradImages, threadAreaBytes } from './conv';
import { col2imPlanes, im2colPlanes, maxPoolPlanes, Win } from './window';

export { gemm, packedAFloats, SCRATCH_BYTES };
export { reluBackwardRange, reluRange } from './activation';
export { fillRange } from './memory';
import { adadeltaRange, adagradRange, adamRange, rmspropRange, sgdRange } from './optim';
export { adadeltaRange, adagradRange, adamRange, rmspropRange, sgdRange };

// Job fields (word indices), job kinds and CONV_GRAD_CHUNKS come from src/backend/wasm/layout.ts
// through the generated file; re-exported so the JS side can check the binary matches its layout.
import {
  A, A_BATCH, B, B_BATCH, BATCH, BIAS, C, C_BATCH, CO, COLS, COLS_BYTES, CONV_GRAD_CHUNKS, CS_A, CS_B, DONE, DST, DY, IDX, K,
  KIND, KIND_COL2IM, KIND_CONV_FORWARD, KIND_CONV_INPUT_GRAD, KIND_CONV_WEIGHT_GRAD, KIND_GEMM, KIND_IM2COL, KIND_OPTIM, LDC, M, N,
  NEXT, OPT_ARG, PACKED_A, OPT_FLAGS, OPT_KERNEL, OPT_N, OPT_PTR, OPTIMIZER_ADADELTA, OPTIMIZER_ADAGRAD, OPTIMIZER_ADAM, OPTIMIZER_RMSPROP,
  OPTIMIZER_SGD, RS_A, RS_B, SCRATCH, SLICES, SRC, THREADS, TOTAL, WIN, WT,
} from './layout.generated';
export * from './layout.generated';

// @ts-ignore: decorator
@inline function field(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

/** One batch entry of the GEMM job, restricted to rows [i0, i1) and columns [j0, j1). */
function gemmSlice(job: usize, bi: i32, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize): void {
  if (i1 <= i0 || j1 <= j0) return;
  const rsA = field(job, RS_A), csA = field(job, CS_A), rsB = field(job, RS_B), csB = field(job, CS_B), ldc = field(job, LDC);
  const a = <usize>field(job, A) + (<usize>bi * field(job, A_BATCH) + <usize>i0 * rsA) * 4;
  const b = <usize>field(job, B) + (<usize>bi * field(job, B_BATCH) + <usize>j0 * csB) * 4;
  const c = <usize>field(job, C) + (<usize>bi * field(job, C_BATCH) + <usize>i0 * ldc + <usize>j0) * 4;
  gemm(i1 - i0, j1 - j0, field(job, K), a, rsA, csA, b, rsB, csB, c, ldc, scratch);
}

/**
 * Splits of one batch entry: two per thread when there are too few entries to go round; four per
 * thread for column slices over a shared packed A (see sharesPackedA), which cost only their part
 * of B, so that the last slice, which the other threads wait for, is short.
 */
function gemmSlices(job: usize): i32 {
  const nt = field(job, THREADS), m = field(job, M), n = field(job, N), batch = field(job, BATCH);
  if (nt == 1 || batch >= 2 * nt) return 1;
  const blocks = n >= m ? (n + NR - 1) / NR : (m + MR - 1) / MR;
  return max(1, min((sharesPackedA(job) ? 4 : 2) * nt, blocks));
}

/**
 * Whether a single product split by columns packs A once for all slices: the caller reserved
 * PACKED_A (packedAFloats), there are enough rows for the packed path (no GEMV) and some k.
 */
function sharesPackedA(job: usize): bool {
  const m = field(job, M), n = field(job, N);
  return field(job, PACKED_A) != 0 && field(job, BATCH) == 1 && n >= m && m > 8 && field(job, K) > 0;
}

/** Chunk `c` of a GEMM job: a batch entry, or one of `slices` column (or row) blocks of one. */
function gemmChunk(job: usize, c: i32, scratch: usize): void {
  const m = field(job, M), n = field(job, N), slices = field(job, SLICES);
  const bi = c / slices, s = c % slices;
  if (slices == 1) {
    gemmSlice(job, bi, 0, m, 0, n, scratch);
  } else if (n >= m) {
    const step = ((n + slices * NR - 1) / (slices * NR)) * NR;
    const j0 = min(n, s * step), j1 = min(n, (s + 1) * step);
    const pa = <usize>field(job, PACKED_A);
    if (pa != 0 && j1 > j0) {
      // A was packed whole by planJob (bi is 0: one product).
      const csB = field(job, CS_B), ldc = field(job, LDC);
      const b = <usize>field(job, B) + <usize>j0 * csB * 4;
      const c = <usize>field(job, C) + <usize>j0 * 4;
      gemmPacked(m, j1 - j0, field(job, K), pa, b, field(job, RS_B), csB, c, ldc, scratch);
    } else {
      gemmSlice(job, bi, 0, m, j0, j1, scratch);
    }
  } else {
    const step = ((m + slices * MR - 1) / (slices * MR)) * MR;
    gemmSlice(job, bi, min(m, s * step), min(m, (s + 1) * step), 0, n, scratch);
  }
}

/** Chunk `c` of a window job (im2col, col2im, max pooling): a run of whole planes. */
function windowChunk(job: usize, c: i32, kind: i32): void {
  const w = changetype<Win>(job + (<usize>WIN << 2));
  const planes = w.batch * w.channels, total = field(job, TOTAL);
  const p0 = <i32>((<i64>planes * c) / total), p1 = <i32>((<i64>planes * (c + 1)) / total);
  const src = <usize>field(job, SRC), dst = <usize>field(job, DST);
  if (kind == KIND_IM2COL) im2colPlanes(w, src, dst, p0, p1);
  else if (kind == KIND_COL2IM) col2imPlanes(w, src, dst, p0, p1);
  else maxPoolPlanes(w, src, dst, <usize>field(job, IDX), p0, p1);
}

/**
 * Bytes of one thread's area for the convolution job at `job`, whose window and CO fields are
 * written (see threadAreaBytes in conv.ts): the JS side sizes COLS_BYTES with it.
 */
export function convAreaBytes(job: usize): i32 {
  return threadAreaBytes(changetype<Win>(job + (<usize>WIN << 2)), field(job, CO));
}

/** Chunk `c` of a convolution job: one image (forward, input grad) or one run of images (weight grad). */
function convChunk(job: usize, c: i32, kind: i32, tid: i32, scratch: usize): void {
  const w = changetype<Win>(job + (<usize>WIN << 2));
  const co = field(job, CO), src = <usize>field(job, SRC), dst = <usize>field(job, DST);
  const wt = <usize>field(job, WT), bias = <usize>field(job, BIAS);
  // The thread's area (threadAreaBytes in conv.ts): one image's columns [ck, L], a [co, ck]
  // product (weight grad), then the zero-padded image the fast unfold reads.
  const ck = w.channels * w.kernelH * w.kernelW, L = w.outH * w.outW;
  const cols = <usize>field(job, COLS) + <usize>tid * field(job, COLS_BYTES);
  const tmp = cols + <usize>ck * L * 4;
  const pad = tmp + <usize>co * ck * 4;
  if (kind == KIND_CONV_FORWARD) convForwardImage(w, co, src, wt, bias, dst, cols, pad, scratch, c);
  else if (kind == KIND_CONV_INPUT_GRAD) convInputGradImage(w, co, src, wt, dst, cols, pad, scratch, c);
  else {
    const total = field(job, TOTAL);
    const n0 = <i32>((<i64>w.batch * c) / total), n1 = <i32>((<i64>w.batch * (c + 1)) / total);
    const part = dst + <usize>c * co * ck * 4;
    const dbPart = bias == 0 ? 0 : bias + <usize>c * co * 4;
    convWeightGradImages(w, co, src, <usize>field(job, DY), part, dbPart, cols, tmp, pad, scratch, n0, n1);
  }
}

/** Pointer `i` of an optimizer job, advanced by `off` bytes (0 stays 0: an array the step does not use). */
// @ts-ignore: decorator
@inline function optPtr(job: usize, i: i32, off: usize): usize {
  const p = <usize>field(job, OPT_PTR + i);
  return p == 0 ? 0 : p + off;
}

// @ts-ignore: decorator
@inline function optArg(job: usize, i: i32): f32 {
  return load<f32>(job + (<usize>(OPT_ARG + i) << 2));
}

/** Floats per optimizer chunk before the job is split: below it, waking a thread costs more than it saves. */
const OPT_CHUNK_FLOATS = 16384;

/**
 * Chunk `c` of an optimizer job: a run of elements starting on a 64-byte line, so no two threads
 * write one line; the last run's lanes past n fall in the arrays' padding (resident blocks).
 */
function optimChunk(job: usize, c: i32): void {
  const n = field(job, OPT_N), total = field(job, TOTAL);
  const step = ((n + total * 16 - 1) / (total * 16)) * 16;
  const i0 = min(n, c * step), len = min(n, i0 + step) - i0;
  if (len <= 0) return;
  const off = <usize>i0 << 2, k = field(job, OPT_KERNEL), fl = field(job, OPT_FLAGS);
  const p0 = optPtr(job, 0, off), p1 = optPtr(job, 1, off), p2 = optPtr(job, 2, off);
  const p3 = optPtr(job, 3, off), p4 = optPtr(job, 4, off);
  if (k == OPTIMIZER_SGD) sgdRange(p0, p1, p2, len, optArg(job, 0), optArg(job, 1), optArg(job, 2), optArg(job, 3), fl);
  else if (k == OPTIMIZER_ADAM)
    adamRange(
      p0, p1, p2, p3, p4, len, optArg(job, 0), optArg(job, 1), optArg(job, 2), optArg(job, 3), optArg(job, 4),
      optArg(job, 5), optArg(job, 6), optArg(job, 7), optArg(job, 8), fl,
    );
  else if (k == OPTIMIZER_RMSPROP)
    rmspropRange(
      p0, p1, p2, p3, p4, len, optArg(job, 0), optArg(job, 1), optArg(job, 2), optArg(job, 3), optArg(job, 4),
      optArg(job, 5), fl,
    );
  else if (k == OPTIMIZER_ADAGRAD) adagradRange(p0, p1, p2, len, optArg(job, 0), optArg(job, 1), optArg(job, 2), fl);
  else if (k == OPTIMIZER_ADADELTA)
    adadeltaRange(p0, p1, p2, p3, len, optArg(job, 0), optArg(job, 1), optArg(job, 2), optArg(job, 3), optArg(job, 4), fl);
}

/** Chunk numbers fill the low 24 bits of the NEXT word; the high 8 bits tag the job they belong to. */
const CHUNK_BITS = 24;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

/**
 * Cuts the job at `job` into chunks (TOTAL) and resets the chunk counters, tagging them with
 * `tag` (the job's generation, mod 256); the calling thread runs this after writing every other
 * field and before waking any worker. Threads then take chunks from the shared counter, so a
 * worker the OS has not scheduled yet simply gets fewer chunks instead of holding the others up.
 */
export function planJob(job: usize, tag: i32): void {
  const kind = field(job, KIND), nt = field(job, THREADS);
  let total = 1;
  if (kind == KIND_GEMM) {
    const slices = gemmSlices(job);
    store<i32>(job + (<usize>SLICES << 2), slices);
    total = field(job, BATCH) * slices;
    if (slices > 1 && sharesPackedA(job)) {
      packAll(field(job, M), field(job, K), <usize>field(job, A), field(job, RS_A), field(job, CS_A), <usize>field(job, PACKED_A));
    } else {
      store<i32>(job + (<usize>PACKED_A << 2), 0);
    }
  } else if (kind == KIND_OPTIM) {
    total = nt == 1 ? 1 : min(4 * nt, max(1, field(job, OPT_N) / OPT_CHUNK_FLOATS));
  } else if (kind >= KIND_CONV_FORWARD) {
    const batch = changetype<Win>(job + (<usize>WIN << 2)).batch;
    total = kind == KIND_CONV_WEIGHT_GRAD ? min(batch, CONV_GRAD_CHUNKS) : batch;
  } else {
    const w = changetype<Win>(job + (<usize>WIN << 2));
    total = max(1, min(w.batch * w.channels, nt == 1 ? 1 : 4 * nt));
  }
  store<i32>(job + (<usize>TOTAL << 2), total);
  atomic.store<i32>(job + (<usize>DONE << 2), 0);
  atomic.store<i32>(job + (<usize>NEXT << 2), (tag & 0xff) << CHUNK_BITS);
}

/**
 * Takes and runs chunks of the job tagged `tag` until none is left; `tid` picks the thread's
 * scratch. A chunk is claimed by compare-and-swap on the tagged counter, so a worker that wakes
 * after its job is over finds another tag (or no chunk left) and takes nothing: the caller never
 * waits for late workers, only for chunks that were actually claimed.
 */
export function runJob(job: usize, tid: i32, tag: i32): void {
  const next = job + (<usize>NEXT << 2);
  const scratch = <usize>field(job, SCRATCH) + <usize>tid * SCRATCH_BYTES;
  for (;;) {
    const v = atomic.load<i32>(next);
    if ((v >>> CHUNK_BITS) != (tag & 0xff)) return;
    const c = v & CHUNK_MASK;
    // Fields are stable while this job has unclaimed chunks: the caller rewrites them only after
    // every chunk is done, and retags the counter last.
    if (c >= field(job, TOTAL)) return;
    if (atomic.cmpxchg<i32>(next, v, v + 1) != v) continue;
    const kind = field(job, KIND);
    if (kind == KIND_GEMM) gemmChunk(job, c, scratch);
    else if (kind == KIND_OPTIM) optimChunk(job, c);
    else if (kind >= KIND_CONV_FORWARD) convChunk(job, c, kind, tid, scratch);
    else windowChunk(job, c, kind);
    atomic.add<i32>(job + (<usize>DONE << 2), 1);
  }
}
