/**
 * Every `@example` in src/ is type-checked against the real API, and the self-contained ones
 * are run. A line `expr; // value` whose comment is a JS value (`[3, 7]`, `0.1643`,
 * `(0.125 + 2.5) / 2`) must produce that value to the comment's precision.
 *
 * Each example becomes a virtual module importing the whole public API (its own area first:
 * nn, nn.functional, optim, io, models), plus a small prelude of stock objects that examples
 * take for granted (`model`, `x`, `y`, `opt`, `loss`, ...), with the example in a block so its
 * own declarations shadow the prelude's. Names still missing are declared `any` for the type
 * check; such examples (and ones touching files, the network or worker threads) only type-check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { problems, stats } from './doc-check.js';
import { collectExamples, type Example } from './extract.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const src = (p: string): string => join(ROOT, 'src', p);

/** Modules whose exports examples use unqualified, highest priority first (area module goes first). */
const MODULES = [
  'index.ts',
  'node.ts',
  'nn/index.ts',
  'nn/functional/index.ts',
  'optim/index.ts',
  'io/index.ts',
  'models/index.ts',
  'data/image/transforms.ts',
];
const AREAS: [RegExp, string][] = [
  [/^src\/nn\/functional\//, 'nn/functional/index.ts'],
  [/^src\/(nn|ops)\//, 'nn/index.ts'],
  [/^src\/optim\//, 'optim/index.ts'],
  [/^src\/io\//, 'io/index.ts'],
  [/^src\/models\//, 'models/index.ts'],
  [/^src\/data\/image/, 'data/image/transforms.ts'],
];

/** Stock objects examples take for granted: [name, definition]; later lines may use earlier ones. */
const PRELUDE: readonly [string, string][] = [
  ['model', 'new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3), new nn.Sigmoid())'],
  ['x', 'randn([6, 4], { requiresGrad: true })'],
  ['y', 'randint(0, 3, [6])'],
  ['labels', 'y'],
  ['logits', 'randn([6, 3])'],
  ['targets', 'rand([6, 3]).round()'],
  ['prediction', 'randn([6, 3])'],
  ['target', 'randn([6, 3])'],
  ['lossFn', '(input: Tensor, t: Tensor): Tensor => nn.functional.crossEntropy(input, t)'],
  ['opt', 'new optim.SGD(model.parameters(), { lr: 0.1 })'],
  ['loss', 'lossFn(model.forward(x), y)'],
  ['F', 'nn.functional'],
  ['image', 'rand([3, 40, 40])'],
  ['rgb', 'rand([3, 8, 8])'],
  ['xTrain', 'randn([20, 4])'],
  ['yTrain', 'randint(0, 3, [20])'],
  ['xTest', 'randn([8, 4])'],
  ['yTest', 'randint(0, 3, [8])'],
  ['ds', 'new TensorDataset(xTrain, yTrain)'],
  ['testSubset', 'new Subset(ds, [0, 1, 2])'],
];
const PRELUDE_NAMES = new Set(PRELUDE.map(([n]) => n));
const uses = (code: string, name: string): boolean =>
  new RegExp(`(^|[^\\w.$])${name.replace('$', '\\$')}\\b`).test(code);

/** The prelude without `omit` and whatever depends on it. */
function prelude(omit: ReadonlySet<string>): string {
  const dropped = new Set(omit);
  const lines: string[] = [];
  for (const [name, def] of PRELUDE) {
    if (dropped.has(name) || [...dropped].some((d) => uses(def, d))) dropped.add(name);
    else lines.push(`const ${name} = ${def};`);
  }
  return lines.join('\n');
}
/** Examples that touch files, the network, servers or worker threads only type-check. */
const SIDE_EFFECTS =
  /readFileSync|fetch\(|\.arrayBuffer\(|loadModel|saveModel|writeFileAtomic|ImageFolder\.load|readIdx|loadMnist|loadFashionMnist|readCsvFile|readImage|buildApp|listen\(|initWasm|startWasm|setNumThreads/;
const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with'.split(
    ' ',
  ),
);
/** Full-size ImageNet forward passes take seconds: type-checked only, to keep the suite fast. */
const SLOW = /224, 224/;
const STATEMENT_KEYWORD = /^(const|let|var|for|if|while|class|import|export|return|function|type|interface|declare)\b/;

/** `expr; // value` → a check call, when the comment evaluates (with no free names) to a value. */
function instrument(line: string, where: string): string {
  const m = /^(\s*)(.+?);\s*\/\/\s*(.+?)\s*$/.exec(line);
  if (!m || STATEMENT_KEYWORD.test(m[2].trim()) || m[2].includes(';') || m[2].includes('//')) return line;
  let expected: unknown;
  try {
    expected = new Function(`"use strict"; return (${m[3]});`)();
  } catch {
    return line;
  }
  if (expected === undefined || typeof expected === 'function') return line;
  const decimals = Math.max(0, ...[...m[3].matchAll(/\d\.(\d+)/g)].map((d) => d[1].length));
  return `${m[1]}__check(${m[2]}, (${m[3]}), ${decimals}, ${JSON.stringify(where)});`;
}

interface Built {
  ex: Example;
  name: string;
  text: string;
  /** Line (0-based) in `text` where the example's first line sits. */
  start: number;
}

function build(
  ex: Example,
  i: number,
  exports: Map<string, string[]>,
  declared: readonly string[],
  omit: ReadonlySet<string> = new Set(),
): Built {
  const area = AREAS.find(([re]) => re.test(ex.file))?.[1];
  const taken = new Set(PRELUDE_NAMES);
  const imports: string[] = [];
  for (const mod of [...(area ? [area] : []), ...MODULES.filter((m) => m !== area)]) {
    const names = (exports.get(mod) ?? []).filter((n) => !RESERVED.has(n) && !taken.has(n));
    names.forEach((n) => taken.add(n));
    if (names.length)
      imports.push(`import { ${names.join(', ')} } from ${JSON.stringify(src(mod).replace(/\.ts$/, '.js'))};`);
  }
  imports.push(`import { check as __check } from ${JSON.stringify(join(ROOT, 'test/docs/doc-check.js'))};`);
  const decls = declared.flatMap((n) => [`declare const ${n}: any;`, `type ${n} = any;`]);
  const body = ex.code
    .split('\n')
    .filter((l) => !/^\s*import\s/.test(l))
    .map((l, k) => instrument(l, `${ex.file}:${ex.line + 1 + k}`));
  const head = [...imports, ...decls, prelude(omit), '{'];
  const text = [...head, ...body, '}', 'export {};', ''].join('\n');
  return { ex, name: join(ROOT, 'test/docs', `__example_${i}.ts`), text, start: head.join('\n').split('\n').length };
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
};

/** Parsed src/ and lib files, shared by the three programs (parsing is most of their cost). */
const parsed = new Map<string, ts.SourceFile | undefined>();

function program(virtual: readonly Built[], old?: ts.Program): ts.Program {
  const byName = new Map(virtual.map((b) => [b.name, b.text]));
  const host = ts.createCompilerHost(OPTIONS);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (f, lang, ...rest) => {
    if (byName.has(f)) return ts.createSourceFile(f, byName.get(f)!, lang, true);
    if (!parsed.has(f)) parsed.set(f, getSourceFile.call(host, f, lang, ...rest));
    return parsed.get(f);
  };
  host.fileExists = (f) => byName.has(f) || fileExists.call(host, f);
  host.readFile = (f) => byName.get(f) ?? readFile.call(host, f);
  return ts.createProgram([...MODULES.map(src), ...byName.keys()], OPTIONS, host, old);
}

function moduleExports(p: ts.Program): Map<string, string[]> {
  const checker = p.getTypeChecker();
  return new Map(
    MODULES.map((m) => {
      const sym = checker.getSymbolAtLocation(p.getSourceFile(src(m))!);
      return [m, sym ? checker.getExportsOfModule(sym).map((s) => s.name) : []];
    }),
  );
}

interface Verdict {
  built: Built;
  missing: string[];
  errors: string[];
  placeholder: boolean;
}

function diagnose(p: ts.Program, b: Built): { missing: string[]; errors: string[]; syntax: boolean } {
  const sf = p.getSourceFile(b.name)!;
  const syntax = p.getSyntacticDiagnostics(sf).length > 0;
  const missing = new Set<string>();
  const errors: string[] = [];
  for (const d of syntax ? p.getSyntacticDiagnostics(sf) : p.getSemanticDiagnostics(sf)) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const name = /^Cannot find name '(\w+)'/.exec(msg)?.[1];
    if ((d.code === 2304 || d.code === 2552) && name) {
      missing.add(name);
      continue;
    }
    const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line - b.start;
    errors.push(`${b.ex.file}:${b.ex.line + 1 + line}: ${msg}`);
  }
  return { missing: [...missing], errors, syntax };
}

interface Plan {
  missing: string[];
  /** Prelude names replaced by `any` because the example means something else by them. */
  unbound: string[];
}

function typeCheck(examples: readonly Example[]): Verdict[] {
  const first = program([]);
  const exports = moduleExports(first);
  const pass1 = examples.map((ex, i) => build(ex, i, exports, []));
  const p1 = program(pass1, first);
  const d1 = pass1.map((b) => diagnose(p1, b));
  // Second pass: names the example assumes (its own context) declared `any`; prelude objects it
  // uses declared `any` too when they did not fit what the example had in mind.
  const plans: (Plan | null)[] = d1.map((d, i) => {
    if (d.syntax || (!d.missing.length && !d.errors.length)) return null;
    const unbound = d.errors.length ? [...PRELUDE_NAMES].filter((n) => uses(examples[i].code, n)) : [];
    return unbound.length || d.missing.length ? { missing: d.missing, unbound } : null;
  });
  const pass2 = pass1.map((b, i) => {
    const plan = plans[i];
    return plan ? build(b.ex, i, exports, [...plan.missing, ...plan.unbound], new Set(plan.unbound)) : b;
  });
  const p2 = program(pass2, p1);
  return pass2.map((b, i) => {
    const plan = plans[i];
    const d = plan ? diagnose(p2, b) : d1[i];
    // `...` standing for omitted code makes an example a sketch, not a program.
    const placeholder = d1[i].syntax && /\.\.\./.test(b.ex.code);
    return {
      built: b,
      missing: plan ? [...plan.missing, ...plan.unbound] : [],
      errors: placeholder ? [] : d.errors,
      placeholder,
    };
  });
}

const started = Date.now();
const verdicts = typeCheck(collectExamples(ROOT));

test('every @example type-checks against the public API', (t) => {
  const sketches = verdicts.filter((v) => v.placeholder).map((v) => `${v.built.ex.file}:${v.built.ex.line}`);
  t.diagnostic(`type-checked ${verdicts.length} examples in ${Date.now() - started} ms (module load)`);
  t.diagnostic(`${verdicts.length} examples; sketches with '...': ${sketches.join(', ') || 'none'}`);
  assert.ok(verdicts.length > 100, `found only ${verdicts.length} examples`);
  assert.deepEqual(
    verdicts.flatMap((v) => v.errors),
    [],
  );
});

test('self-contained examples run and return what their comments say', async (t) => {
  const runnable = verdicts.filter(
    (v) =>
      !v.placeholder &&
      v.missing.length === 0 &&
      v.errors.length === 0 &&
      !SIDE_EFFECTS.test(v.built.ex.code) &&
      !SLOW.test(v.built.ex.code),
  );
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'nabla-examples-'));
  const failures: string[] = [];
  const times: [number, string][] = [];
  try {
    for (const [i, v] of runnable.entries()) {
      // Transpiled here (no type info needed), so the loader only resolves the src/ imports.
      const file = join(dir, `example_${i}.mjs`);
      writeFileSync(
        file,
        ts.transpileModule(v.built.text, {
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
        }).outputText,
      );
      const t1 = Date.now();
      try {
        await import(pathToFileURL(file).href);
        times.push([Date.now() - t1, `${v.built.ex.file}:${v.built.ex.line}`]);
      } catch (e) {
        failures.push(`${v.built.ex.file}:${v.built.ex.line}: threw ${(e as Error).message}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const skipped = verdicts
    .filter((v) => !runnable.includes(v))
    .map((v) => `${v.built.ex.file}:${v.built.ex.line}${v.missing.length ? ` (needs ${v.missing.join(', ')})` : ''}`);
  t.diagnostic(
    `slowest: ${times
      .sort((a, b) => b[0] - a[0])
      .slice(0, 5)
      .map(([ms, w]) => `${w} ${ms} ms`)
      .join(', ')}`,
  );
  t.diagnostic(`ran in ${Date.now() - t0} ms, compared ${stats.checked} documented values`);
  t.diagnostic(`ran ${runnable.length} of ${verdicts.length}; type-checked only: ${skipped.join('; ')}`);
  assert.ok(runnable.length >= 60, `only ${runnable.length} examples ran`);
  // The examples must reach this module's `check` (same module instance), or nothing was compared.
  assert.ok(stats.checked >= 40, `only ${stats.checked} documented values were compared`);
  assert.deepEqual([...failures, ...problems], []);
});
