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
import { OPTIM_FLAG } from './layout.js';

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

/** The optimizer kernels on the WASM heap, falling back to the JS ones for float64 or oversized operands. */
export function makeOptimKernels(h: WasmHeap, x: OptimExports): OptimKernels {
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
      const args = [f(hp.weightDecay), f(hp.momentum), f(1 - hp.dampening), f(-hp.lr)] as const;
      const arrays = [p, g, buf];
      if (!streamed(h, arrays, (q, n) => x.sgdRange(q[0], q[1], q[2], n, ...args, flags))) {
        jsOptim.sgd(p, g, buf, first, hp);
      }
    },
    adam(p, g, m, v, vMax, step, hp, decoupled) {
      if (p.length < optimWasmMin.other) return jsOptim.adam(p, g, m, v, vMax, step, hp, decoupled);
      const s = adamScalars(true, step, hp);
      const flags =
        (hp.maximize ? MAXIMIZE : 0) |
        (decoupled ? DECOUPLED : hp.weightDecay !== 0 ? DECAY : 0) |
        (vMax ? AMSGRAD : 0);
      const arrays = [p, g, m, v, vMax];
      const ok = streamed(h, arrays, (q, n) =>
        x.adamRange(
          q[0],
          q[1],
          q[2],
          q[3],
          q[4],
          n,
          s.b1,
          s.b2,
          s.oneMinusB1,
          s.oneMinusB2,
          s.negStep,
          s.bc2Sqrt,
          s.eps,
          s.wd,
          s.shrink,
          flags,
        ),
      );
      if (!ok) jsOptim.adam(p, g, m, v, vMax, step, hp, decoupled);
    },
    rmsprop(p, g, sq, buf, gradAvg, hp) {
      if (p.length < optimWasmMin.other) return jsOptim.rmsprop(p, g, sq, buf, gradAvg, hp);
      const flags =
        (hp.maximize ? MAXIMIZE : 0) | (hp.weightDecay !== 0 ? DECAY : 0) | (buf ? BUF : 0) | (gradAvg ? CENTERED : 0);
      const args = [f(hp.alpha), f(1 - hp.alpha), f(hp.eps), f(hp.weightDecay), f(hp.momentum), f(-hp.lr)] as const;
      const arrays = [p, g, sq, buf, gradAvg];
      const ok = streamed(h, arrays, (q, n) => x.rmspropRange(q[0], q[1], q[2], q[3], q[4], n, ...args, flags));
      if (!ok) jsOptim.rmsprop(p, g, sq, buf, gradAvg, hp);
    },
    adagrad(p, g, sum, step, hp) {
      if (p.length < optimWasmMin.other) return jsOptim.adagrad(p, g, sum, step, hp);
      const flags = (hp.maximize ? MAXIMIZE : 0) | (hp.weightDecay !== 0 ? DECAY : 0);
      const negClr = f(-(hp.lr / (1 + (step - 1) * hp.lrDecay)));
      const arrays = [p, g, sum];
      const ok = streamed(h, arrays, (q, n) =>
        x.adagradRange(q[0], q[1], q[2], n, negClr, f(hp.eps), f(hp.weightDecay), flags),
      );
      if (!ok) jsOptim.adagrad(p, g, sum, step, hp);
    },
    adadelta(p, g, v, u, hp) {
      if (p.length < optimWasmMin.other) return jsOptim.adadelta(p, g, v, u, hp);
      const flags = (hp.maximize ? MAXIMIZE : 0) | (hp.weightDecay !== 0 ? DECAY : 0);
      const args = [f(hp.rho), f(1 - hp.rho), f(hp.eps), f(hp.weightDecay), f(-hp.lr)] as const;
      const arrays = [p, g, v, u];
      const ok = streamed(h, arrays, (q, n) => x.adadeltaRange(q[0], q[1], q[2], q[3], n, ...args, flags));
      if (!ok) jsOptim.adadelta(p, g, v, u, hp);
    },
  };
}
