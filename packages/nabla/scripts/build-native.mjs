// Compiles native/*.c into build/native/libnabla-kernels.{so,dylib}: the element loops
// (optimizer steps, ReLU, im2col/col2im, conv bias) and the thread pool the native backend runs on the tensors' own
// memory next to the platform BLAS. Runs at install (`npm ci`) and before `npm test`; does
// nothing when the library already matches the source's hash. Optional by design: without a C
// compiler it says so and exits 0, and the native backend runs those loops on the WASM kernels.
// $CC picks the compiler (default cc); NABLA_NATIVE_KERNELS=0 skips the build.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = readdirSync(`${root}native`)
  .filter((f) => f.endsWith('.c'))
  .sort()
  .map((f) => `${root}native/${f}`);
const headers = readdirSync(`${root}native`)
  .filter((f) => f.endsWith('.h'))
  .sort()
  .map((f) => `${root}native/${f}`);
const outDir = `${root}build/native`;
const ext = process.platform === 'darwin' ? 'dylib' : 'so';
const out = `${outDir}/libnabla-kernels.${ext}`;
const stamp = `${out}.sha256`;

if (process.env.NABLA_NATIVE_KERNELS === '0') {
  console.log('build-native: skipped (NABLA_NATIVE_KERNELS=0)');
  process.exit(0);
}
if (process.platform === 'win32') {
  console.log('build-native: skipped on Windows (the native backend runs its element loops on WASM)');
  process.exit(0);
}

const cc = process.env.CC || 'cc';
// No -ffast-math and no contraction: the kernels must give the JavaScript reference's bits.
const flags = [
  '-O3',
  '-std=c11',
  '-fPIC',
  '-pthread',
  '-shared',
  '-ffp-contract=off',
  '-fno-math-errno',
  // Short copy and zero loops (im2col's rows of 10-28 floats) stay inline loops instead of
  // becoming a memcpy/memset call each: a call per row cost LeNet's im2col 40% of its time.
  '-fno-tree-loop-distribute-patterns',
  '-Wall',
];
const hash = createHash('sha256');
for (const f of [...sources, ...headers]) hash.update(f.slice(root.length)).update(readFileSync(f));
hash
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(`${cc} ${flags.join(' ')} ${process.platform} ${process.arch}`);
const digest = hash.digest('hex');
if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) process.exit(0);

mkdirSync(outDir, { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
const r = spawnSync(cc, [...flags, '-o', tmp, ...sources, '-lm', '-ldl'], { encoding: 'utf8' });
if (r.error || r.status !== 0) {
  rmSync(tmp, { force: true });
  const why = r.error ? `${cc} not found (${r.error.message})` : r.stderr.trim().split('\n').slice(0, 5).join('\n');
  console.log(`build-native: not built (${why}); the native backend will run its element loops on WASM`);
  process.exit(0);
}
renameSync(tmp, out);
writeFileSync(stamp, digest);
console.log(`build-native: wrote ${out}`);
