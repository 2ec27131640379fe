/**
 * The optimizer steps of the WASM backend: float32 parameters are updated by the SIMD kernels of
 * assembly/optim.ts, bit-identical to the JS loops; float64 ones stay on the JS kernels. Parameters
 * live in JS memory, so each call streams them through the WASM heap in cache-sized chunks: copy
 * in, update, copy back, while the chunk is still in cache, so main memory sees one pass over
 * each array, as with the JS loop.
 */
import { optim as jsOptim, adamScalars } from '../js/optim.js';
import type { OptimKernels } from '../optim-kernels.js';
import type { FloatArray } from '../../tensor/dtype.js';
import type { WasmHeap } from './heap.js';
import { F, JOB_BASE, KIND, OPTIM_FLAG, OPTIMIZER } from './layout.js';
import type { WasmContext } from './matmul.js';

/** Floats per array per chunk: five arrays of 32 KiB stay within a core's L2. */
const CHUNK = 8192;

/**
 * Smallest parameters the WASM kernels take; smaller ones run the JS loop, which beats the ~1 µs
 * fixed cost of a call through the heap there (measured per call: Adam JS 0.46 µs at 5 elements,
 * 2.8 µs at 100 vs WASM 1.0 and 1.6; SGD-momentum's JS loop, ~2 ns an element, keeps up with
 * WASM plus copies up to about 4096 and stays close beyond). Tests lower them to reach the WASM path.
 */
export const optimWasmMin = { sgd: 16384, other: 64 };

// The kernels' flag bits (one definition in layout.ts, shared with assembly/optim.ts).
const {
  maximize: MAXIMIZE,
  decay: DECAY,
  buf: BUF,
  first: FIRST,
  nesterov: NESTEROV,
  decoupled: DECOUPLED,
  amsgrad: AMSGRAD,
  centered: CENTERED,
} = OPTIM_FLAG;

/** The module's exports these kernels call (one thread: the copies bound them, not the arithmetic). */
export interface OptimExports {
  sgdRange(
    p: number,
    g: number,
    b: number,
    n: number,
    wd: number,
    mom: number,
    damp: number,
    negLr: number,
    flags: number,
  ): void;
  adamRange(
    p: number,
    g: number,
    m: number,
    v: number,
    vmax: number,
    n: number,
    b1: number,
    b2: number,
    omb1: number,
    omb2: number,
    negStep: number,
    bc2Sqrt: number,
    eps: number,
    wd: number,
    shrink: number,
    flags: number,
  ): void;
  rmspropRange(
    p: number,
    g: number,
    sq: number,
    b: number,
    ga: number,
    n: number,
    alpha: number,
    oma: number,
    eps: number,
    wd: number,
    mom: number,
    negLr: number,
    flags: number,
  ): void;
  adagradRange(
    p: number,
    g: number,
    sum: number,
    n: number,
    negClr: number,
    eps: number,
    wd: number,
    flags: number,
  ): void;
  adadeltaRange(
    p: number,
    g: number,
    v: number,
    u: number,
    n: number,
    rho: number,
    omr: number,
    eps: number,
    wd: number,
    negLr: number,
    flags: number,
  ): void;
}

function allF32(arrays: readonly (FloatArray | null)[]): arrays is (Float32Array | null)[] {
  return arrays.every((a) => a === null || a instanceof Float32Array);
}

/** Position of the gradient among a step's arrays: the one array the kernels only read. */
const GRADIENT = 1;

/**
 * Streams one step's arrays — the parameter, its gradient, then the optimizer's state; null where
 * an option is off — through the heap in chunks and calls `kernel` with each array's block address
 * (0 for null) and the chunk length. Every array but the gradient is written back. Resident arrays
 * (kept in WASM memory by the optimizer) are updated where they are, without copies; when all
 * are, the kernel runs once over the whole length. False when an array is not float32 or they
 * cannot fit the heap (the caller then runs the JS kernel).
 */
function streamed(
  h: WasmHeap,
  arrays: readonly (FloatArray | null)[],
  kernel: (ptrs: number[], n: number) => void,
): boolean {
  if (!allF32(arrays)) return false;
  const n = arrays[0]!.length;
  const resident = arrays.map((a) => (a ? h.residentAddress(a) : null));
  const copied = arrays.map((a, k) => a !== null && resident[k] === null);
  const chunk = copied.includes(true) ? Math.min(CHUNK, n) : n;
  if (!h.fits(arrays.length * (Math.min(CHUNK, n) + 16))) return false;
  h.reset();
  const blocks = arrays.map((_, k) => (copied[k] ? h.alloc(chunk + 4) : 0));
  const ptrs = arrays.map(() => 0);
  for (let at = 0; at < n; at += chunk) {
    const len = Math.min(chunk, n - at);
    const heap = h.f32;
    arrays.forEach((a, k) => {
      if (!a) return;
      if (!copied[k]) {
        ptrs[k] = resident[k]! + at * 4;
        return;
      }
      ptrs[k] = blocks[k];
      heap.set(len === n ? a : a.subarray(at, at + len), blocks[k] >> 2);
    });
    kernel(ptrs, len);
    arrays.forEach((a, k) => {
      if (a && copied[k] && k !== GRADIENT) a.set(heap.subarray(blocks[k] >> 2, (blocks[k] >> 2) + len), at);
    });
  }
  return true;
}

const f = Math.fround;

/** Elements from which an update of resident arrays is split across threads. */
const PARALLEL_MIN = 65536;

type Step = keyof typeof OPTIMIZER;

/**
 * Each step's kernel on one run of the heap: block addresses in the order of `arrays` below, the
 * run's length, the float32 scalars and the flag bits.
 */
function serialKernels(
  x: OptimExports,
): Record<Step, (q: number[], n: number, a: readonly number[], fl: number) => void> {
  return {
    sgd: (q, n, a, fl) => x.sgdRange(q[0], q[1], q[2], n, a[0], a[1], a[2], a[3], fl),
    adam: (q, n, a, fl) =>
      x.adamRange(q[0], q[1], q[2], q[3], q[4], n, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], fl),
    rmsprop: (q, n, a, fl) => x.rmspropRange(q[0], q[1], q[2], q[3], q[4], n, a[0], a[1], a[2], a[3], a[4], a[5], fl),
    adagrad: (q, n, a, fl) => x.adagradRange(q[0], q[1], q[2], n, a[0], a[1], a[2], fl),
    adadelta: (q, n, a, fl) => x.adadeltaRange(q[0], q[1], q[2], q[3], n, a[0], a[1], a[2], a[3], a[4], fl),
  };
}

/** What the optimizer kernels need from the running backend. */
type OptimContext = Pick<WasmContext, 'heap' | 'pool' | 'threads'>;

/** The optimizer kernels on the WASM heap, falling back to the JS ones for float64 or oversized operands. */
export function makeOptimKernels(ctx: OptimContext, x: OptimExports): OptimKernels {
  const serial = serialKernels(x);
  /**
   * Runs `step` over `arrays` (the parameter, its gradient, then the state; null where unused).
   * When every array is resident and long, the threads share it as one job; otherwise it streams
   * on this thread. False when the JS kernel has to run instead.
   */
  const update = (step: Step, arrays: (FloatArray | null)[], args: readonly number[], flags: number): boolean => {
    const h = ctx.heap;
    const n = arrays[0]!.length;
    if (ctx.threads > 1 && n >= PARALLEL_MIN && allF32(arrays)) {
      const ptrs = arrays.map((a) => (a ? h.residentAddress(a) : 0));
      if (ptrs.every((q) => q !== null)) {
        const job = h.job;
        job[F.kind] = KIND.optim;
        job[F.optKernel] = OPTIMIZER[step];
        job[F.optN] = n;
        for (let i = 0; i < 5; i++) job[F.optPtr + i] = ptrs[i] ?? 0;
        job[F.optFlags] = flags;
        const at = (JOB_BASE >> 2) + F.optArg;
        h.f32.set(args, at);
        ctx.pool.run(ctx.threads);
        return true;
      }
    }
    return streamed(h, arrays, (q, len) => serial[step](q, len, args, flags));
  };
  return {
    ...jsOptim,
    sgd(p, g, buf, first, hp) {
      if (p.length < optimWasmMin.sgd) return jsOptim.sgd(p, g, buf, first, hp);
      const flags =
        (hp.maximize ? MAXIMIZE : 0) |
        (hp.weightDecay !== 0 ? DECAY : 0) |
        (buf ? BUF : 0) |
        (first ? FIRST : 0) |
        (hp.nesterov ? NESTEROV : 0);
      const args = [f(hp.weightDecay), f(hp.momentum), f(1 - hp.dampening), f(-hp.lr)];
      if (!update('sgd', [p, g, buf], args, flags)) jsOptim.sgd(p, g, buf, first, hp);
    },
    adam(p, g, m, v, vMax, step, hp, decoupled) {
      if (p.length < optimWasmMin.other) return jsOptim.adam(p, g, m, v, vMax, step, hp, decoupled);
      const s = adamScalars(true, step, hp);
      const flags =
        (hp.maximize ? MAXIMIZE : 0) |
        (decoupled ? DECOUPLED : hp.weightDecay !== 0 ? DECAY : 0) |
        (vMax ? AMSGRAD : 0);
      const args = [s.b1, s.b2, s.oneMinusB1, s.oneMinusB2, s.negStep, s.bc2Sqrt, s.eps, s.wd, s.shrink];
      if (!update('adam', [p, g, m, v, vMax], args, flags)) jsOptim.adam(p, g, m, v, vMax, step, hp, decoupled);
    },
    rmsprop(p, g, sq, buf, gradAvg, hp) {
      if (p.length < optimWasmMin.other) return jsOptim.rmsprop(p, g, sq, buf, gradAvg, hp);
      const flags =
        (hp.maximize ? MAXIMIZE : 0) | (hp.weightDecay !== 0 ? DECAY : 0) | (buf ? BUF : 0) | (gradAvg ? CENTERED : 0);
      const args = [f(hp.alpha), f(1 - hp.alpha), f(hp.eps), f(hp.weightDecay), f(hp.momentum), f(-hp.lr)];
      if (!update('rmsprop', [p, g, sq, buf, gradAvg], args, flags)) jsOptim.rmsprop(p, g, sq, buf, gradAvg, hp);
    },
    adagrad(p, g, sum, step, hp) {
      if (p.length < optimWasmMin.other) return jsOptim.adagrad(p, g, sum, step, hp);
      const flags = (hp.maximize ? MAXIMIZE : 0) | (hp.weightDecay !== 0 ? DECAY : 0);
      const args = [f(-(hp.lr / (1 + (step - 1) * hp.lrDecay))), f(hp.eps), f(hp.weightDecay)];
      if (!update('adagrad', [p, g, sum], args, flags)) jsOptim.adagrad(p, g, sum, step, hp);
    },
    adadelta(p, g, v, u, hp) {
      if (p.length < optimWasmMin.other) return jsOptim.adadelta(p, g, v, u, hp);
      const flags = (hp.maximize ? MAXIMIZE : 0) | (hp.weightDecay !== 0 ? DECAY : 0);
      const args = [f(hp.rho), f(1 - hp.rho), f(hp.eps), f(hp.weightDecay), f(-hp.lr)];
      if (!update('adadelta', [p, g, v, u], args, flags)) jsOptim.adadelta(p, g, v, u, hp);
    },
  };
}
