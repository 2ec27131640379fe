import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as nabla from '../../src/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

// Each op family module declares its functions and, beside them, the Tensor methods they give
// (a table named `<family>Methods`). These checks keep the three views of an op in step: the
// method is installed, and a table entry named like one of the family's functions is exported
// from the library's entry as that very function.
const opsDir = new URL('../../src/ops/', import.meta.url);
const families = await Promise.all(
  readdirSync(opsDir)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map(async (name) => ({ name, module: (await import(new URL(name, opsDir).href)) as Record<string, unknown> })),
);
const tables = families.flatMap(({ name, module }) =>
  Object.entries(module)
    .filter(([key]) => key.endsWith('Methods'))
    .map(([key, table]) => ({ file: name, key, module, table: table as Record<string, unknown> })),
);

describe('op method tables', () => {
  it('every family with Tensor methods declares a table', () => {
    assert.ok(tables.length >= 14, `found ${tables.length} tables`);
  });

  it('each table entry is the method Tensor.prototype carries', () => {
    for (const { file, table } of tables) {
      for (const [name, fn] of Object.entries(table)) {
        assert.equal(
          (Tensor.prototype as unknown as Record<string, unknown>)[name],
          fn,
          `${file}: Tensor.prototype.${name}`,
        );
      }
    }
  });

  it("a method named like its family's function is exported from the entry as that function", () => {
    const entry = nabla as unknown as Record<string, unknown>;
    // Public only as methods (PyTorch has no torch.view or torch.contiguous either).
    const methodOnly = new Set(['contiguous', 'clone', 'view']);
    const missing: string[] = [];
    for (const { file, module, table } of tables) {
      for (const name of Object.keys(table)) {
        if (typeof module[name] !== 'function' || methodOnly.has(name)) continue;
        if (entry[name] !== module[name]) missing.push(`${name} (ops/${file})`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('backward() and the in-place methods are installed too', () => {
    for (const name of ['backward', 'add_', 'mul_', 'zero_', 'copy_', 'max', 'min', 'median', 'T', 'mT']) {
      assert.ok(name in Tensor.prototype, name);
    }
  });
});
