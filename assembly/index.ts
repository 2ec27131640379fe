// Entry of the WASM module: kernels that one or several threads run on a job descriptor
// written by the JS side into shared memory. Each thread calls `runJob(job, tid)` and handles its
// own slice, so the same code serves the calling thread and every worker.
import { gemm, MR, NR, SCRATCH_BYTES } from './gemm';
import { col2imPlanes, im2colPlanes, maxPoolPlanes, Win } from './window';

export { gemm, SCRATCH_BYTES };

/** Field indices (i32 words) of a job descriptor; mirrored in src/backend/wasm/job.ts. */
const KIND = 2, THREADS = 3, M = 4, N = 5, K = 6, A = 7, RSA = 8, CSA = 9, B = 10, RSB = 11, CSB = 12;
const C = 13, LDC = 14, SCRATCH = 15, BATCH = 16, A_BATCH = 17, B_BATCH = 18, C_BATCH = 19;
/** Window jobs: a Win struct at word WIN, then input/output/indices pointers. */
const WIN = 32, SRC = 46, DST = 47, IDX = 48;

// @ts-ignore: decorator
@inline function field(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

/** One batch entry of the GEMM job, restricted to rows [i0, i1) and columns [j0, j1). */
function gemmSlice(job: usize, bi: i32, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize): void {
  if (i1 <= i0 || j1 <= j0) return;
  const rsA = field(job, RSA), csA = field(job, CSA), rsB = field(job, RSB), csB = field(job, CSB), ldc = field(job, LDC);
  const a = <usize>field(job, A) + (<usize>bi * field(job, A_BATCH) + <usize>i0 * rsA) * 4;
  const b = <usize>field(job, B) + (<usize>bi * field(job, B_BATCH) + <usize>j0 * csB) * 4;
  const c = <usize>field(job, C) + (<usize>bi * field(job, C_BATCH) + <usize>i0 * ldc + <usize>j0) * 4;
  gemm(i1 - i0, j1 - j0, field(job, K), a, rsA, csA, b, rsB, csB, c, ldc, scratch);
}

/** Thread `tid`'s share of a batched GEMM: whole batch entries when there are enough, else a block of columns or rows. */
function gemmJob(job: usize, tid: i32): void {
  const nt = field(job, THREADS), m = field(job, M), n = field(job, N), batch = field(job, BATCH);
  const scratch = <usize>field(job, SCRATCH) + <usize>tid * SCRATCH_BYTES;
  if (batch >= nt) {
    const b0 = <i32>((<i64>batch * tid) / nt), b1 = <i32>((<i64>batch * (tid + 1)) / nt);
    for (let bi = b0; bi < b1; bi++) gemmSlice(job, bi, 0, m, 0, n, scratch);
    return;
  }
  for (let bi = 0; bi < batch; bi++) {
    if (n >= m) {
      const step = ((n + nt * NR - 1) / (nt * NR)) * NR;
      gemmSlice(job, bi, 0, m, min(n, tid * step), min(n, (tid + 1) * step), scratch);
    } else {
      const step = ((m + nt * MR - 1) / (nt * MR)) * MR;
      gemmSlice(job, bi, min(m, tid * step), min(m, (tid + 1) * step), 0, n, scratch);
    }
  }
}

/** Thread `tid`'s planes of a window job (im2col, col2im, max pooling). */
function windowJob(job: usize, tid: i32, kind: i32): void {
  const w = changetype<Win>(job + (<usize>WIN << 2));
  const nt = field(job, THREADS);
  const planes = w.batch * w.channels;
  const p0 = <i32>((<i64>planes * tid) / nt), p1 = <i32>((<i64>planes * (tid + 1)) / nt);
  const src = <usize>field(job, SRC), dst = <usize>field(job, DST);
  if (kind == 2) im2colPlanes(w, src, dst, p0, p1);
  else if (kind == 3) col2imPlanes(w, src, dst, p0, p1);
  else maxPoolPlanes(w, src, dst, <usize>field(job, IDX), p0, p1);
}

/** Runs thread `tid`'s part of the job at `job`. */
export function runJob(job: usize, tid: i32): void {
  const kind = field(job, KIND);
  if (kind == 1) gemmJob(job, tid);
  else if (kind >= 2 && kind <= 4) windowJob(job, tid, kind);
}
