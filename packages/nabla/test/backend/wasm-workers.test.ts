// The WASM pool's worker is a typed module (src/backend/wasm/worker.ts) with one entry per
// platform; the Node one must start from the sources (these tests run through tsx) and stop on an
// exit job, and nothing a browser loads may reach a `node:` import except through the Node-only
// dynamic import.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import * as binaries from '../../src/backend/wasm/binary.generated.js';
import { F, INITIAL_PAGES, JOB_BASE, JOB_WORDS, KIND, MAX_PAGES } from '../../src/backend/wasm/layout.js';
import { spawnWorker } from '../../src/backend/wasm/threads-node.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Relative modules and `node:`/bare specifiers `file` imports statically (type-only imports and import() left out). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const found = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";()=]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map(
    (m) => m[1],
  );
  return found.map((spec) => (spec.startsWith('.') ? resolve(dirname(file), spec).replace(/\.js$/, '.ts') : spec));
}

/** Every `node:` or bare builtin reached statically from `entry`, with the chain that reaches it. */
function nodeImportsReached(entry: string): string[] {
  const seen = new Set<string>();
  const bad: string[] = [];
  const walk = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('/')) walk(spec, [...chain, spec]);
      else if (spec.startsWith('node:')) bad.push(`${spec} via ${chain.map((f) => f.replace(SRC, '')).join(' -> ')}`);
    }
  };
  walk(entry, [entry]);
  assert.ok(
    seen.size > (entry.endsWith('index.ts') ? 50 : 1),
    `only ${seen.size} modules reached from ${entry}: the import scan is broken`,
  );
  return bad;
}

describe('wasm workers: what browsers load stays free of node: imports', () => {
  for (const entry of ['index.ts', 'backend/wasm/threads-web.ts', 'backend/wasm/worker-web.ts']) {
    it(`src/${entry} reaches no node: module statically`, () => {
      assert.deepEqual(nodeImportsReached(resolve(SRC, entry)), []);
    });
  }

  it('a bundler with default settings bundles the browser entry (no node: module reached, dynamic imports included)', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [resolve(SRC, 'index.ts')],
      bundle: true,
      format: 'esm',
      write: false,
      logLevel: 'silent',
      outdir: 'out',
    }).catch((e: { errors?: { text: string }[] }) => ({ errors: e.errors ?? [{ text: String(e) }], outputFiles: [] }));
    assert.deepEqual(
      result.errors.map((e) => e.text),
      [],
    );
    assert.ok(
      result.outputFiles.some((f) => f.text.includes('installMethods')),
      'the bundle holds the library',
    );
  });

  it('the scan does see node: imports (threads-node.ts is Node-only)', () => {
    assert.ok(
      nodeImportsReached(resolve(SRC, 'backend/wasm/threads-node.ts')).some((s) => s.startsWith('node:worker_threads')),
    );
  });
});

describe('wasm workers: the Node worker module', () => {
  it('starts from the TypeScript sources on the shared memory and exits on an exit job', async () => {
    const module = new WebAssembly.Module(Buffer.from(binaries.simdShared, 'base64'));
    const memory = new WebAssembly.Memory({
      initial: INITIAL_PAGES,
      maximum: MAX_PAGES,
      shared: true,
    } as WebAssembly.MemoryDescriptor);
    const worker = (await spawnWorker({ module, memory, job: JOB_BASE, tid: 0, spin: 0 })) as Worker;
    const exited = new Promise<number>((done) => worker.once('exit', done));
    worker.ref(); // spawnWorker unrefs idle workers; keep this one until it has exited
    const ctl = new Int32Array(memory.buffer, JOB_BASE, JOB_WORDS);
    Atomics.store(ctl, F.kind, KIND.exit);
    Atomics.store(ctl, F.gen, 1);
    Atomics.notify(ctl, F.gen);
    assert.equal(await exited, 0);
  });
});
