import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../../../..', import.meta.url).pathname;

/** `ready()`'s answer in a fresh Node that imports only `entry` (resolved to the sources, as the tests do). */
function readyIn(entry: string, env: Record<string, string> = {}): { backend: string; wasm: unknown; again: boolean } {
  const code = `
    import { ready, backendInfo } from '${entry}';
    const before = backendInfo().backend;
    const info = await ready();
    console.log(JSON.stringify({ before, backend: info.backend, wasm: info.wasm !== null, again: (await ready()).backend === info.backend }));
  `;
  const out = execFileSync(
    process.execPath,
    ['--conditions=nabla-source', '--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NABLA_BACKEND: '', ...env } },
  );
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

test("ready() from 'nabla' alone leaves the js reference for WASM", () => {
  const r = readyIn('nabla') as { before?: string; backend: string; again: boolean };
  assert.equal(r.before, 'js');
  assert.equal(r.backend, 'wasm');
  assert.equal(r.again, true);
});

test("ready() from 'nabla/node' keeps the entry's own choice (native with a BLAS, else wasm; js when NABLA_BACKEND=js)", () => {
  const r = readyIn('nabla/node') as { before?: string; backend: string };
  assert.ok(['native', 'wasm'].includes(r.backend), r.backend);
  assert.equal(r.before, r.backend, 'the Node entry has selected it by the time its import resolves');
  assert.equal(readyIn('nabla/node', { NABLA_BACKEND: 'js' }).backend, 'js');
});
