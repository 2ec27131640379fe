import type { FloatArray } from '../../tensor/dtype.js';
import type { Kernels, Strided } from '../kernels.js';
import type { Blas } from './blas.js';

/** From this many elements the FFI call (~1 µs) costs less than the JS loop (~1 ns an element). */
export const NATIVE_ROW_ADD_MIN = 4096;

let ones32 = new Float32Array(0);
let ones64 = new Float64Array(0);

/** A vector of at least `n` ones of `a`'s element type (grown, never shrunk; only ever read). */
function ones(a: FloatArray, n: number): FloatArray {
  if (a instanceof Float64Array) {
    if (ones64.length < n) ones64 = new Float64Array(n).fill(1);
    return ones64;
  }
  if (ones32.length < n) ones32 = new Float32Array(n).fill(1);
  return ones32;
}

/**
 * `add` on the BLAS for its training-step shape, a bias added in place to a batch of rows
 * (`binaryInto` on a fresh product): `a` dense and the output itself, `b` one row broadcast over
 * every leading axis. That is a rank-1 update `a += 1·bᵀ` (GER), whose `fma(1, b, a)` rounds
 * `a + b` once, the same number as the loop (`a` + `b` in float64, stored as float32). Everything
 * else goes to `fallback`.
 */
export function makeNativeAdd(blas: Blas, fallback: Kernels['binary']['add']): Kernels['binary']['add'] {
  return (a: Strided, b: Strided, out, shape) => {
    const r = shape.length;
    const cols = r > 0 ? shape[r - 1] : 0;
    const n = out.length;
    if (n < NATIVE_ROW_ADD_MIN || r < 2 || !inPlaceRows(a, b, out, shape)) {
      fallback(a, b, out, shape);
      return;
    }
    const y = b.offset === 0 ? (b.data as FloatArray) : (b.data as FloatArray).subarray(b.offset);
    blas.ger(n / cols, cols, ones(out as FloatArray, n / cols), y, out as FloatArray, cols);
  };
}

/** Whether a is dense and is `out` (same array, offset 0 of it), and b a dense last axis broadcast over the rest, one float type. */
function inPlaceRows(a: Strided, b: Strided, out: Strided['data'], shape: readonly number[]): boolean {
  const f32 = out instanceof Float32Array && a.data instanceof Float32Array && b.data instanceof Float32Array;
  const f64 = out instanceof Float64Array && a.data instanceof Float64Array && b.data instanceof Float64Array;
  if (!(f32 || f64) || b.data.buffer === out.buffer) return false;
  // `out` is a's storage from a's offset on (binaryInto's target): same buffer and start.
  if (a.data.buffer !== out.buffer || a.data.byteOffset + a.offset * a.data.BYTES_PER_ELEMENT !== out.byteOffset)
    return false;
  const r = shape.length;
  if (b.strides[r - 1] !== 1 && shape[r - 1] !== 1) return false;
  let expect = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (shape[d] !== 1 && a.strides[d] !== expect) return false;
    if (d < r - 1 && shape[d] !== 1 && b.strides[d] !== 0) return false;
    expect *= shape[d];
  }
  return true;
}
