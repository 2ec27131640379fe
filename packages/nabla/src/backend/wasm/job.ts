/**
 * Layout of the job descriptor the calling thread writes into shared WASM memory and every
 * thread reads (i32 words at byte `JOB_BASE`); mirrored by the field constants in assembly/index.ts.
 */
export const JOB_BASE = 1024;
export const JOB_WORDS = 64;

export const F = {
  gen: 0, kind: 2, threads: 3, m: 4, n: 5, k: 6, a: 7, rsA: 8, csA: 9, b: 10, rsB: 11, csB: 12,
  c: 13, ldc: 14, scratch: 15, batch: 16, aBatch: 17, bBatch: 18, cBatch: 19,
  /** Chunk scheduling (written by planJob): next chunk, chunks done, chunk count, GEMM slices. */
  next: 20, done: 21, total: 22, slices: 23,
  /** A Window2d's 14 fields in declaration order (batch ... outW), then the window job's pointers. */
  win: 32, src: 46, dst: 47, idx: 48,
  /** Convolution jobs: output channels, weight, bias, per-thread columns area and its bytes, dy (weight grad). */
  co: 49, wt: 50, bias: 51, cols: 52, colsBytes: 53, dy: 54,
} as const;

/** Job kinds understood by `runJob`; -1 tells workers to exit. */
export const KIND = { exit: -1, gemm: 1, im2col: 2, col2im: 3, maxPool2d: 4, convForward: 5, convWeightGrad: 6, convInputGrad: 7 } as const;

/** Weight-gradient chunks of a convolution job (CONV_GRAD_CHUNKS in assembly/index.ts). */
export const CONV_GRAD_CHUNKS = 16;

/** First byte of the per-thread scratch areas; everything below holds the job descriptor. */
export const SCRATCH_BASE = 65536;
