import type { FloatArray } from '../../tensor/dtype.js';

/**
 * Reference GEMM in plain TypeScript, register-blocked so each load feeds four multiply-adds:
 * four output rows at a time (i-k-j) when B rows are contiguous, four dot products at a time
 * when B is stored transposed. Sums run in float64 and are rounded once when stored.
 */
export function matmul(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  batch: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  aBatchStride: number,
  bBatchStride: number,
): void {
  // A[i, p] lives at i * aRow + p * aCol.
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const packed = transB && transA ? new Float64Array(m * k) : null;
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * aBatchStride;
    const bo = bi * bBatchStride;
    const oo = bi * m * n;
    if (!transB) {
      rowsTimesMatrix(a, ao, aRow, aCol, b, bo, out, oo, m, k, n);
    } else if (packed) {
      // Dot products want A's rows contiguous: copy the transposed A once per batch.
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) packed[i * k + p] = a[ao + i + p * m];
      dots(packed, 0, b, bo, out, oo, m, k, n);
    } else {
      dots(a, ao, b, bo, out, oo, m, k, n);
    }
  }
}

/** Accumulators of rowsTimesMatrix, reused across calls (batch-1 steps call it with tiny n). */
let scratch = new Float64Array(64);

/** `out = A · B` with B `[k, n]` row-major: four rows of A share every load of a B row. */
function rowsTimesMatrix(
  a: FloatArray,
  ao: number,
  aRow: number,
  aCol: number,
  b: FloatArray,
  bo: number,
  out: FloatArray,
  oo: number,
  m: number,
  k: number,
  n: number,
): void {
  if (scratch.length < 4 * n) scratch = new Float64Array(4 * n);
  const acc = scratch;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    acc.fill(0, 0, 4 * n);
    const r0 = ao + i * aRow;
    for (let p = 0; p < k; p++) {
      const ap = r0 + p * aCol;
      const a0 = a[ap];
      const a1 = a[ap + aRow];
      const a2 = a[ap + 2 * aRow];
      const a3 = a[ap + 3 * aRow];
      const brow = bo + p * n;
      for (let j = 0; j < n; j++) {
        const bv = b[brow + j];
        acc[j] += a0 * bv;
        acc[n + j] += a1 * bv;
        acc[2 * n + j] += a2 * bv;
        acc[3 * n + j] += a3 * bv;
      }
    }
    // Stored one by one: the same rounding as a typed-array set, without a view per call.
    const o = oo + i * n;
    for (let j = 0; j < 4 * n; j++) out[o + j] = acc[j];
  }
  for (; i < m; i++) {
    acc.fill(0, 0, n);
    for (let p = 0; p < k; p++) {
      const av = a[ao + i * aRow + p * aCol];
      const brow = bo + p * n;
      for (let j = 0; j < n; j++) acc[j] += av * b[brow + j];
    }
    const o = oo + i * n;
    for (let j = 0; j < n; j++) out[o + j] = acc[j];
  }
}

/** `out[i, j] = A[i, :] · B[j, :]` with both rows contiguous: four dot products per A load. */
function dots(
  a: ArrayLike<number>,
  ao: number,
  b: FloatArray,
  bo: number,
  out: FloatArray,
  oo: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const ar = ao + i * k;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = bo + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = a[ar + p];
        s0 += av * b[b0 + p];
        s1 += av * b[b1 + p];
        s2 += av * b[b2 + p];
        s3 += av * b[b3 + p];
      }
      const o = oo + i * n + j;
      out[o] = s0;
      out[o + 1] = s1;
      out[o + 2] = s2;
      out[o + 3] = s3;
    }
    for (; j < n; j++) {
      const br = bo + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ar + p] * b[br + p];
      out[oo + i * n + j] = s;
    }
  }
}
