/**
 * The TypeScript blocks of README.md and docs/ name only API that exists: every value imported
 * from 'nabla', 'nabla/node' or 'nabla/models' is exported there, and every `nn.X`, `optim.X`,
 * `io.X`, `transforms.X` and `F.X` (nn.functional) they use is a member of that namespace. The
 * library is imported for real (its sources, through the nabla-source condition), so a renamed
 * or removed export fails here instead of in a reader's editor.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

function markdownUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return markdownUnder(path);
      return name.endsWith('.md') ? [path] : [];
    });
}

/** The ```ts blocks of a Markdown file. */
function tsBlocks(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

test('TypeScript in README.md and docs/ uses only exported API', async () => {
  const entries: Record<string, Record<string, unknown>> = {
    nabla: await import('nabla'),
    'nabla/node': await import('nabla/node'),
    'nabla/models': await import('nabla/models'),
  };
  const root = entries.nabla as {
    nn: Record<string, unknown> & { functional: Record<string, unknown> };
    optim: Record<string, unknown>;
    io: Record<string, unknown>;
    transforms: Record<string, unknown>;
  };
  const namespaces: Record<string, Record<string, unknown>> = {
    nn: root.nn,
    optim: root.optim,
    io: root.io,
    transforms: root.transforms,
    F: root.nn.functional,
    'nn.functional': root.nn.functional,
  };
  const files = [join(ROOT, 'README.md'), ...markdownUnder(join(ROOT, 'docs'))];
  const missing: string[] = [];
  let names = 0;
  for (const file of files) {
    const where = relative(ROOT, file);
    for (const code of tsBlocks(file)) {
      for (const m of code.matchAll(/^import\s*\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
        const exports = entries[m[2]];
        if (!exports) continue;
        for (const spec of m[1]
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (spec.startsWith('type ')) continue; // types are not there at run time; tsc checks them
          const name = spec.split(/\s+as\s+/)[0];
          names++;
          if (!(name in exports)) missing.push(`${where}: '${name}' is not exported by '${m[2]}'`);
        }
      }
      for (const m of code.matchAll(/(?<![\w.])(nn\.functional|nn|optim|io|transforms|F)\.([A-Za-z_$][\w$]*)/g)) {
        names++;
        if (!(m[2] in namespaces[m[1]])) missing.push(`${where}: ${m[1]}.${m[2]} does not exist`);
      }
    }
  }
  assert.ok(names > 50, `only ${names} API names found in the documentation's code blocks`);
  assert.deepEqual(missing, []);
});
