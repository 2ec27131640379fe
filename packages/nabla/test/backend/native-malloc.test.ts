import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
