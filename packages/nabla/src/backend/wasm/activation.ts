import type { Kernels } from '../kernels.js';
import { reluBackward as reluBackwardJs, unary as jsUnary } from './js-elementwise.js';
import type { WasmHeap } from './heap.js';

/** From this many elements the SIMD loop plus the copies in and out beat the JS loop (measured ~3x at 300k). */
const WASM_MIN = 1 << 16;

/** The module's exports these kernels call directly (no job: the copies dominate, one thread suffices). */
export interface ActivationExports {
  reluRange(x: number, out: number, n: number): void;
  reluBackwardRange(y: number, dy: number, out: number, n: number): void;
}

/**
 * ReLU and its backward for large float32 arrays in WASM SIMD, bit-identical to the JS loops
 * (which a JS engine runs one element at a time, about 1 ns each); small arrays stay in JS.
 */
export function makeActivationKernels(
  h: WasmHeap,
  exports: ActivationExports,
): { unary: Kernels['unary']; reluBackward: NonNullable<Kernels['reluBackward']> } {
  const relu: Kernels['unary']['relu'] = (x, out) => {
    if (
      !(x instanceof Float32Array && out instanceof Float32Array) ||
      out.length < WASM_MIN ||
      !h.fits(2 * out.length + 64)
    ) {
      jsUnary.relu(x, out);
      return;
    }
    const n = out.length;
    h.reset();
    const px = h.alloc(n);
    const po = h.alloc(n);
    h.f32.set(x.subarray(0, n), px >> 2);
    exports.reluRange(px, po, n);
    out.set(h.f32.subarray(po >> 2, (po >> 2) + n));
  };
  const reluBackward = (y: Float32Array, dy: Float32Array, out: Float32Array): void => {
    const n = out.length;
    if (n < WASM_MIN || !h.fits(3 * n + 64)) {
      reluBackwardJs(y, dy, out);
      return;
    }
    h.reset();
    const py = h.alloc(n);
    const pd = h.alloc(n);
    const po = h.alloc(n);
    h.f32.set(y.subarray(0, n), py >> 2);
    h.f32.set(dy.subarray(0, n), pd >> 2);
    exports.reluBackwardRange(py, pd, po, n);
    out.set(h.f32.subarray(po >> 2, (po >> 2) + n));
  };
  return { unary: { ...jsUnary, relu }, reluBackward };
}
