import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// In a child process: mallopt changes the whole process's allocator, and the opt-out is read from the environment.
const malloc = fileURLToPath(new URL('../../src/backend/native/malloc.ts', import.meta.url));
function run(env: Record<string, string>): string {
  const code = `import(${JSON.stringify(malloc)}).then(async (m) => console.log(await m.retainFreedMemory()))`;
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', code], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  }).trim();
}

const koffi = await import('koffi').then(
  () => true,
  () => false,
);
const glibc =
  koffi &&
  process.platform === 'linux' &&
  (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime !== undefined;

test('retainFreedMemory sets both glibc thresholds on Linux with glibc', {
  skip: !glibc && 'needs Linux with glibc and koffi',
}, () => {
  assert.equal(run({}), 'true');
});

test('NABLA_MALLOC=system leaves the allocator alone', () => {
  assert.equal(run({ NABLA_MALLOC: 'system' }), 'false');
});

// Huge pages for arrays above the mmap threshold (native/memory.c), where the kernel offers them.
const thpMode = (() => {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'never';
  } catch {
    return 'never';
  }
})();
const thp = thpMode !== 'never';
const kernels = fileURLToPath(new URL('../../src/backend/native/c-kernels.ts', import.meta.url));
const dtype = fileURLToPath(new URL('../../src/tensor/dtype.ts', import.meta.url));

test('adviseHugePages backs a fresh array above the mmap threshold with huge pages', {
  skip: !(glibc && thp) && 'needs Linux with glibc, koffi and transparent huge pages',
}, async () => {
  const { loadCKernels } = await import(kernels);
  const { kernels: c } = await loadCKernels();
  if (!c) return; // no C compiler at install: nothing to advise with (c-kernels.test.ts says why)
  const code = `
    const [m, k, d] = await Promise.all([import(${JSON.stringify(malloc)}), import(${JSON.stringify(kernels)}), import(${JSON.stringify(dtype)})]);
    const huge = () => Number(/AnonHugePages:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]);
    await m.retainFreedMemory();
    const advised = process.env.ADVISE === '1' && m.adviseHugePages((await k.loadCKernels()).kernels);
    const before = huge();
    const a = d.allocate('float32', 40 << 18); // 40 MiB
    a.fill(1);
    console.log(JSON.stringify({ advised, kib: huge() - before }));`;
  const run = (advise: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=commonjs', '-e', `(async () => {${code}})()`], {
        env: { ...process.env, ADVISE: advise },
        encoding: 'utf8',
      }).trim(),
    );
  const on = run('1');
  assert.equal(on.advised, true);
  assert.ok(on.kib >= 32 << 10, `${on.kib} KiB of huge pages under a 40 MiB array`);
  // Where huge pages are given only on request (the usual default), the request is what did it.
  if (thpMode === 'madvise') assert.ok(run('0').kib < 32 << 10, 'without the advice the array is not on huge pages');
});
