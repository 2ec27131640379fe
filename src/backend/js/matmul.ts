import type { FloatArray } from '../../tensor/dtype.js';

/** Reference GEMM: i-k-j order when B rows are contiguous, dot products when B is transposed. */
export function matmul(
  a: FloatArray, b: FloatArray, out: FloatArray,
  batch: number, m: number, k: number, n: number,
  transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
): void {
  // A[i, p] lives at i * aRow + p * aCol.
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * aBatchStride;
    const bo = bi * bBatchStride;
    const oo = bi * m * n;
    if (!transB) {
      out.fill(0, oo, oo + m * n);
      for (let i = 0; i < m; i++) {
        const orow = oo + i * n;
        for (let p = 0; p < k; p++) {
          const av = a[ao + i * aRow + p * aCol];
          if (av === 0) continue;
          const brow = bo + p * n;
          for (let j = 0; j < n; j++) out[orow + j] += av * b[brow + j];
        }
      }
    } else {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const brow = bo + j * k;
          let acc = 0;
          for (let p = 0; p < k; p++) acc += a[ao + i * aRow + p * aCol] * b[brow + p];
          out[oo + i * n + j] = acc;
        }
      }
    }
  }
}
