import type { FloatArray } from '../../tensor/dtype.js';
import type { Kernels } from '../kernels.js';
import type { Blas } from './blas.js';

/**
 * Below this many multiply-adds the FFI call (0.3-0.8 µs through koffi) costs more than the
 * WASM/JS kernel: measured with bench/native-crossover.ts on the 2-core EPYC (loaded), 1×20×5
 * takes ~0.1 µs in the JS loop and ~0.45 µs through sgemm, 1×16×16 is about even, and from
 * 1×32×32 (1024) on sgemm is 2-5× ahead.
 */
export const NATIVE_MIN_MACS = 256;

/** True when every array is float32, or every one float64 (BLAS has no mixed GEMM). */
export function sameFloat(...arrays: (FloatArray | null)[]): boolean {
  const f32 = arrays.every((x) => x === null || x instanceof Float32Array);
  return f32 || arrays.every((x) => x === null || x instanceof Float64Array);
}

/** `x` from element `offset` on, without a new view when the offset is 0 (one view per call otherwise). */
export function from(x: FloatArray, offset: number): FloatArray {
  return offset === 0 ? x : x.subarray(offset);
}

/**
 * Batched matmul on the BLAS: one GEMM per batch entry, or one GEMM over the whole batch when a
 * stacked A meets a shared B (`x @ W` with x `[batch, m, k]`: rows of every entry are one matrix).
 * Tiny products and mixed element types go to `fallback` (the WASM or JS kernel).
 */
export function makeNativeMatmul(blas: Blas, fallback: Kernels['matmul']): Kernels['matmul'] {
  return (a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride) => {
    if (batch * m * n * k < NATIVE_MIN_MACS || !sameFloat(a, b, out)) {
      fallback(a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride);
      return;
    }
    if (m === 0 || n === 0 || batch === 0) return;
    const lda = transA ? m : k;
    const ldb = transB ? k : n;
    if (m === 1 || n === 1) {
      // One product row (x @ W at batch 1) or column: GEMV, 4-9× faster than OpenBLAS's sgemm here.
      for (let i = 0; i < batch; i++)
        gemv(blas, a, b, out, m, k, n, transA, transB, i * aBatchStride, i * bBatchStride, i * m * n);
      return;
    }
    if (!transA && bBatchStride === 0 && (batch === 1 || aBatchStride === m * k)) {
      blas.gemm(false, transB, batch * m, n, k, 1, a, lda, b, ldb, 0, out, n);
      return;
    }
    for (let i = 0; i < batch; i++) {
      blas.gemm(
        transA,
        transB,
        m,
        n,
        k,
        1,
        from(a, i * aBatchStride),
        lda,
        from(b, i * bBatchStride),
        ldb,
        0,
        from(out, i * m * n),
        n,
      );
    }
  };
}

/**
 * One `m × n` product with m = 1 or n = 1 as a GEMV: the single row of op(a) (or column of op(b))
 * is contiguous in either layout, and the matrix side keeps its own layout through `trans`.
 */
function gemv(
  blas: Blas,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  aOff: number,
  bOff: number,
  outOff: number,
): void {
  const y = from(out, outOff);
  if (m === 1) {
    // out[n] = a[k] · op(b): b is stored [n, k] when transposed, else [k, n].
    if (transB) blas.gemv(false, n, k, from(b, bOff), k, from(a, aOff), y);
    else blas.gemv(true, k, n, from(b, bOff), n, from(a, aOff), y);
  } else if (transA) blas.gemv(true, k, m, from(a, aOff), m, from(b, bOff), y);
  else blas.gemv(false, m, k, from(a, aOff), k, from(b, bOff), y);
}
