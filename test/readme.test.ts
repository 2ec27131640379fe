import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test("the README's quick start is the code of examples/quickstart.ts", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'README has a ```ts block under "## Quick start"');
  const example = readFileSync(new URL('../examples/quickstart.ts', import.meta.url), 'utf8');
  const body = example.slice(example.indexOf('*/\n') + 3);
  assert.equal(body, block[1]);
});
