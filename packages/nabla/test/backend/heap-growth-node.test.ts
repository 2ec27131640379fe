// nabla/node's V8 heap-growth setting: set by default, kept off by NABLA_GC=v8 or by a flag the
// process was started with, and an unknown NABLA_GC is an error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../src/backend/heap-growth-node.js';

describe('heapGrowthFlag', () => {
  it('widens V8’s heap growth by default', () => {
    assert.equal(heapGrowthFlag([], {}), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    assert.equal(heapGrowthFlag(['--conditions=nabla-source'], { NABLA_GC: '' }), '--heap-growing-percent=300');
  });

  it('sets nothing with NABLA_GC=v8, or when the process was started with its own growth', () => {
    assert.equal(heapGrowthFlag([], { NABLA_GC: 'v8' }), null);
    assert.equal(heapGrowthFlag(['--heap-growing-percent=50'], {}), null);
    assert.equal(heapGrowthFlag([], { NODE_OPTIONS: '--max-old-space-size=512 --heap_growing_percent=80' }), null);
  });

  it('rejects an unknown NABLA_GC, naming the variable and what it accepts', () => {
    assert.throws(() => heapGrowthFlag([], { NABLA_GC: 'off' }), /NABLA_GC must be 'v8'.*got 'off'/);
  });

  it('is set when nabla/node is imported (not with NABLA_GC=v8), and a bad value fails the import', () => {
    // The child records the V8 flags set during the import (node:v8's ESM binding follows the patched function).
    const entry = new URL('../../src/node.ts', import.meta.url).href;
    const code = [
      "import v8 from 'node:v8';",
      "import { syncBuiltinESMExports } from 'node:module';",
      'const set = []; const original = v8.setFlagsFromString;',
      'v8.setFlagsFromString = (flag) => { set.push(flag); original(flag); };',
      'syncBuiltinESMExports();',
      `await import(${JSON.stringify(entry)});`,
      "console.log('flags [' + set.join(',') + ']');",
    ].join('\n');
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        encoding: 'utf8',
        env: { ...process.env, NABLA_BACKEND: 'js', ...env },
        timeout: 60_000,
      });
    assert.equal(run({}).stdout.trim(), `flags [--heap-growing-percent=${HEAP_GROWING_PERCENT}]`);
    assert.equal(run({ NABLA_GC: 'v8' }).stdout.trim(), 'flags []');
    const bad = run({ NABLA_GC: 'off' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /NABLA_GC must be 'v8'/);
  });
});
