/*
 * The compiled kernels' thread pool (pool.c): one setting for every parallel loop of nabla's own
 * kernels and for its GEMMs, which it splits into blocks that each run on the BLAS at one thread.
 */
#ifndef NABLA_POOL_H
#define NABLA_POOL_H

#include <stdint.h>

/* One block of a parallel loop: `part` of the `parts` given to nabla_parallel. */
typedef void (*nabla_task)(void *ctx, int64_t part);

/* Runs fn(ctx, 0 .. parts-1), each part once, on the calling thread and the pool's workers;
 * returns when all are done. Parts are claimed one at a time, so a worker that is late (its core
 * busy) leaves its share to the others. */
void nabla_parallel(int64_t parts, nabla_task fn, void *ctx);

/* Threads a parallel loop may use, the caller's included (1: no workers). */
int nabla_threads(void);

/* The BLAS's row-major cblas_sgemm (found by nabla_set_blas), run on the calling thread alone. */
void nabla_sgemm_here(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc);

/* Whether nabla_set_blas found the BLAS (the GEMM-based kernels need it). */
int nabla_has_blas(void);

#endif
