// A worker thread for pool.test.ts: splits GEMMs and elementwise kernels over the compiled kernels'
// pool at 2 threads, 300 times, while other workers do the same; posts how many results were wrong.
import { parentPort } from 'node:worker_threads';
import { jsBackend } from '../../../src/backend/index.js';
import { loadBlas } from '../../../src/backend/native/blas.js';
import { loadCKernels, withCKernels } from '../../../src/backend/native/c-kernels.js';
import { pooledBlas } from '../../../src/backend/native/pool.js';

const { blas } = await loadBlas();
const { kernels } = await loadCKernels();
const pool = blas && kernels ? pooledBlas(blas, kernels) : null;
if (!pool || !kernels) throw new Error('no pooled BLAS in the worker');
const native = withCKernels(jsBackend, kernels);
pool.setThreads(2);
const [m, n, k] = [64, 256, 64];
// Small integers: every product and sum is exact, whatever the order.
const a = Float32Array.from({ length: m * k }, (_, i) => (i % 7) - 3);
const b = Float32Array.from({ length: k * n }, (_, i) => (i % 5) - 2);
const x = Float32Array.from({ length: 1 << 17 }, (_, i) => (i % 11) - 5);
let wrong = 0;
for (let r = 0; r < 300; r++) {
  const c = new Float32Array(m * n);
  pool.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
  for (let i = 0; i < m; i += 9)
    for (let j = 0; j < n; j += 37) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[t * n + j];
      if (c[i * n + j] !== s) wrong++;
    }
  const y = new Float32Array(x.length);
  native.unary.relu(x, y);
  for (let i = 0; i < y.length; i += 101) if (y[i] !== Math.max(x[i], 0)) wrong++;
}
parentPort?.postMessage(wrong);
