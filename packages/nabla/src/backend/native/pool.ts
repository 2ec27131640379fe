/**
 * The BLAS with its float32 GEMMs split over the compiled kernels' thread pool (native/pool.c):
 * the BLAS itself runs at one thread inside each block, and the thread count set here is the
 * pool's. One pool for the GEMMs and nabla's own parallel kernels, instead of the BLAS's threads
 * and a pool of ours contending for the same cores.
 */
import type { Blas } from './blas.js';
import type { CKernels } from './c-kernels.js';

/**
 * `blas` with float32 GEMMs through `nabla_sgemm`, or null when the compiled kernels cannot find
 * the library's `cblas_sgemm` (they look it up by `blas.path` among the loaded libraries).
 */
export function pooledBlas(blas: Blas, c: CKernels): Blas | null {
  const k = c.fns;
  if (k.nabla_set_blas(blas.path) !== 1) return null;
  blas.setThreads(1);
  return {
    library: blas.library,
    path: blas.path,
    corename: blas.corename,
    config: blas.config,
    gemm(transA, transB, m, n, k_, alpha, a, lda, b, ldb, beta, out, ldc) {
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)
        k.nabla_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k_, alpha, a, lda, b, ldb, beta, out, ldc);
      else blas.gemm(transA, transB, m, n, k_, alpha, a, lda, b, ldb, beta, out, ldc);
    },
    gemv: (trans, rows, cols, a, lda, x, y) => blas.gemv(trans, rows, cols, a, lda, x, y),
    ger: (rows, cols, x, y, a, lda) => blas.ger(rows, cols, x, y, a, lda),
    setThreads(threads) {
      k.nabla_set_threads(threads);
    },
    threads: () => k.nabla_threads() as number,
  };
}
