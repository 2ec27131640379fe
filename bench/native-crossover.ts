/**
 * Where the native backend's FFI GEMM overtakes the WASM/JS kernel for small products (the
 * NATIVE_MIN_MACS threshold in packages/nabla/src/backend/native/gemm.ts):
 * `node --conditions=nabla-source --import tsx bench/native-crossover.ts`.
 */
import { loadBlas } from '../packages/nabla/src/backend/native/blas.js';
import { startWasm } from '../packages/nabla/src/backend/wasm/index.js';

const { blas, reason } = await loadBlas();
if (!blas) throw new Error(reason);
const wasm = await startWasm({ threads: 1 });
blas.setThreads(1);
const rnd = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const time = (f: () => void, reps = 20000): string => {
  for (let i = 0; i < 2000; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (((performance.now() - t0) / reps) * 1000).toFixed(2);
};
for (const [m, k, n] of [
  [1, 5, 1],
  [1, 20, 5],
  [4, 8, 8],
  [1, 16, 16],
  [1, 32, 32],
  [8, 16, 16],
  [1, 256, 10],
  [1, 128, 32],
  [32, 20, 5],
  [128, 20, 5],
]) {
  const a = rnd(m * k);
  const b = rnd(k * n);
  const c = new Float32Array(m * n);
  const tw = time(() => wasm.matmul(a, b, c, 1, m, k, n, false, true, 0, 0));
  const tn = time(() => blas.gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n));
  console.log(`${m}x${k}x${n} (${m * k * n} MACs, x·Wᵀ): wasm/js ${tw} µs, ${blas.library} sgemm ${tn} µs`);
}
process.exit(0);
