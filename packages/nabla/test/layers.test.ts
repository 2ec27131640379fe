import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

// The library's layers, lowest first. A runtime import may point to the same layer or a lower
// one, never up; type-only imports may point anywhere (they vanish at run time). Files not
// listed here make the test fail, so a new folder has to be given its place.
export const LAYERS: readonly (readonly string[])[] = [
  [
    'tensor/errors.ts',
    'tensor/options.ts',
    'tensor/dtype.ts',
    'tensor/shape.ts',
    'tensor/storage.ts',
    'tensor/random.ts',
    'tensor/format.ts',
  ],
  ['backend/'],
  ['tensor/'], // the Tensor class core (no op methods), creation functions and the method installer
  // autograd: graph, grad mode, the engine (installs backward()); ops: each family installs its methods
  ['autograd/'],
  ['ops/'],
  ['nn/'],
  ['optim/'],
  ['data/'],
  ['train/'],
  ['continual/'], // continual backprop and plasticity diagnostics: nn, optim and fit callbacks
  ['models/'],
  ['io/'], // above models: io/zoo.ts builds the zoo's models to load weights into
  ['index.ts', 'node.ts'],
];

const src = resolve(new URL('../src', import.meta.url).pathname);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
}

/** The layer of a path relative to src/: the first entry that names it or a folder above it. */
export function layerOf(rel: string): number {
  const i = LAYERS.findIndex((layer) => layer.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p)));
  if (i < 0) throw new Error(`layers.test.ts: src/${rel} belongs to no layer; add it to LAYERS`);
  return i;
}

const parsed = new Map<string, string[]>();

/** Module specifiers `source` loads at run time: type-only imports and exports are skipped. */
export function runtimeImports(fileName: string, source: string): string[] {
  const key = `${fileName}\0${source}`;
  const known = parsed.get(key);
  if (known) return known;
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      // `import './x.js'` (side effects) is a runtime edge; `import type` is not; `import { type A }` only when
      // every specifier is type-only and there is no default import (TS then drops it).
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  parsed.set(key, out);
  return out;
}

/** Every runtime import under `root` that points to a higher layer, as readable lines. */
export function upwardEdges(root: string, files: readonly { path: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { path, text } of files) {
    const rel = relative(root, path);
    const from = layerOf(rel);
    for (const spec of runtimeImports(path, text)) {
      if (!spec.startsWith('.')) continue; // packages and node: builtins are outside the layering
      const target = relative(root, resolve(dirname(path), spec)).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      if (to > from)
        bad.push(
          `src/${rel} imports '${spec}' (layer ${to}: ${LAYERS[to].join(' ')}) from layer ${from} (${LAYERS[from].join(' ')})`,
        );
    }
  }
  return bad;
}

/** Files (relative to src/) that `rel` loads at run time, directly or through others. */
function closure(root: string, rel: string, texts: ReadonlyMap<string, string>): Set<string> {
  const seen = new Set<string>([rel]);
  const stack = [rel];
  while (stack.length) {
    const cur = stack.pop()!;
    for (const spec of runtimeImports(cur, texts.get(cur) ?? '')) {
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(join(root, cur)), spec)).replace(/\.js$/, '.ts');
      if (!seen.has(target) && texts.has(target)) {
        seen.add(target);
        stack.push(target);
      }
    }
  }
  return seen;
}

describe('layers', () => {
  it('every op and nn module loads ops/methods.ts, so tensors have all their methods', () => {
    const texts = new Map(sourceFiles(src).map((path) => [relative(src, path), readFileSync(path, 'utf8')]));
    const missing = [...texts.keys()]
      .filter((rel) => /^(ops|nn)\//.test(rel) && !['ops/strided.ts', 'ops/conv-gemm.ts'].includes(rel))
      .filter((rel) => !closure(src, rel, texts).has('ops/methods.ts'));
    assert.deepEqual(missing, []);
  });

  it('no runtime import in src/ points to a higher layer', () => {
    const files = sourceFiles(src).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    assert.ok(files.length > 100, `found only ${files.length} source files under ${src}`);
    assert.deepEqual(upwardEdges(src, files), []);
  });

  it('catches an upward edge and ignores type-only ones', () => {
    const at = (rel: string, text: string) => ({ path: join(src, rel), text });
    const bad = upwardEdges(src, [
      at(
        'tensor/tensor.ts',
        "import { add } from '../ops/elementwise.js';\nimport type { GradFn } from '../autograd/graph.js';",
      ),
      at(
        'autograd/engine.ts',
        "import { type Tensor } from '../tensor/tensor.js';\nimport { sum, type X } from '../ops/reduce.js';",
      ),
      at(
        'ops/x.ts',
        "export { nn } from '../nn/index.js';\nexport type { Module } from '../nn/module.js';\nimport '../optim/sgd.js';",
      ),
      at('tensor/dtype.ts', "const m = await import('../backend/index.js');"),
      at('ops/y.ts', "import { Tensor } from '../tensor/tensor.js';\nimport { record } from '../autograd/graph.js';"),
    ]);
    assert.deepEqual(
      bad.map((line) => line.split(' (')[0]),
      [
        "src/tensor/tensor.ts imports '../ops/elementwise.js'",
        "src/autograd/engine.ts imports '../ops/reduce.js'",
        "src/ops/x.ts imports '../nn/index.js'",
        "src/ops/x.ts imports '../optim/sgd.js'",
        "src/tensor/dtype.ts imports '../backend/index.js'",
      ],
    );
    assert.throws(() => layerOf('newdir/thing.ts'), /belongs to no layer/);
  });
});
