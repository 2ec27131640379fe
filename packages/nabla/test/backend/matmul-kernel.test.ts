import { describe, it } from 'node:test';
import { Generator } from '../../src/index.js';
import { backendsUnderTest } from '../backends.js';
import { assertClose } from '../helpers.js';

/** The matmul kernel against a naive triple loop, for every transpose flag and batch stride. */
function naive(
  a: Float64Array,
  b: Float64Array,
  batch: number,
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
  sa: number,
  sb: number,
): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++)
          s += a[z * sa + (tA ? p * m + i : i * k + p)] * b[z * sb + (tB ? j * k + p : p * n + j)];
        out[(z * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

const g = new Generator(5);
/** Batch size, and whether A or B is one matrix broadcast over the batch (batch stride 0). */
const LAYOUTS: [number, boolean, boolean][] = [
  [1, false, false],
  [3, false, false],
  [2, true, false],
  [2, false, true],
];
const random = (size: number) => Float64Array.from({ length: size }, () => g.normal());

for (const backend of backendsUnderTest()) {
  describe(`matmul kernel (${backend.name} backend)`, () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [1, 7, 5],
      [4, 3, 8],
      [5, 9, 7],
      [9, 4, 1],
      [13, 17, 11],
    ]) {
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        for (const [batch, broadcastA, broadcastB] of LAYOUTS) {
          it(`${batch}x[${m}, ${k}] . [${k}, ${n}] transA=${tA} transB=${tB}${broadcastA ? ' A broadcast' : ''}${broadcastB ? ' B broadcast' : ''}`, () => {
            const sa = broadcastA ? 0 : m * k;
            const sb = broadcastB ? 0 : k * n;
            const a = random(Math.max(1, sa * batch || m * k));
            const b = random(Math.max(1, sb * batch || k * n));
            const out = new Float64Array(batch * m * n).fill(Number.NaN); // must be overwritten
            backend.matmul(a, b, out, batch, m, k, n, tA, tB, sa, sb);
            assertClose(Array.from(out), Array.from(naive(a, b, batch, m, k, n, tA, tB, sa, sb)), {
              rtol: 1e-12,
              atol: 1e-12,
            });
          });
        }
      }
    }
  });
}
