/**
 * The kernel boundary: ops, optimizers, data sets, layers and training code hand tensors to the
 * backend's kernels and never touch elements themselves, so every backend (and a future GPU
 * one) runs all of the arithmetic. This test reads the sources of those layers and fails on:
 *  - storage: `.storage.data` — a tensor's raw array taken outside the kernel layer;
 *  - loop: a `for`/`while` loop whose body indexes a typed array (`x[…]` where x is a typed
 *    array: a parameter typed as one, or a variable made by `new Float32Array(…)`, `allocate(…)`,
 *    `denseData(…)`, `toTypedArray()`… ) or any `.data[…]`;
 *  - callback: a per-element callback over a typed array (`Float32Array.from(x, fn)`, `x.map(fn)`,
 *    `x.forEach(fn)` on such an x).
 * A few places are legitimate (an accessor that hands a view to kernels, parsing, decoding one
 * image); ALLOWED lists them per file, with how many findings of each kind and why. A file that
 * gains a finding fails; a file whose allowance is no longer used fails too, so the list shrinks
 * as loops move into kernels.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCANNED = ['src/ops', 'src/optim', 'src/data', 'src/nn', 'src/train', 'src/continual'];

type Kind = 'storage' | 'loop' | 'callback';
interface Allowance {
  readonly storage?: number;
  readonly loop?: number;
  readonly callback?: number;
  readonly why: string;
}

/** Legitimate or not-yet-converted places, per file (paths from packages/nabla). */
const ALLOWED: Record<string, Allowance> = {
  // Accessors: a tensor's storage handed, as a view or a relabelled result, to kernels or to a new tensor.
  'src/ops/conv.ts': {
    storage: 2,
    why: 'denseData (the dense view kernels read) and filling a fresh output through its kernel',
  },
  'src/ops/elementwise.ts': {
    storage: 3,
    why: 'the Strided operands and in-place target handed to the binary kernels',
  },
  'src/ops/in-place.ts': {
    storage: 2,
    why:
      "fill_: TypedArray.fill on a dense float tensor's range (the engine's native fill); while tracing, the storage's " +
      'length tells a write into a view (which ONNX export refuses) from one into a whole tensor',
  },
  'src/ops/matmul.ts': { storage: 3, why: 'the dense operands handed to the matmul kernel' },
  'src/ops/movement.ts': {
    storage: 1,
    why: "slice's backward: the Strided region of the gradient that the copy kernel writes",
  },
  'src/ops/reduce.ts': {
    storage: 1,
    why: "a reduction's dense result relabelled to its output shape (no element access)",
  },
  'src/ops/strided.ts': {
    storage: 2,
    why: 'strided() and contiguousData(): the views every kernel call is built from',
  },
  'src/optim/dense.ts': {
    storage: 1,
    why: 'denseView: the dense view of a parameter or state buffer that optimizer kernels update in place',
  },
  // Index bookkeeping: int32 index arrays (positions, not tensor elements) built for gather/indexSelect kernels.
  'src/ops/linalg.ts': { loop: 1, why: 'diag: the gather index of the diagonal cells' },
  'src/ops/rearrange.ts': { loop: 2, why: 'int32Range and repeatInterleave: index tensors for indexSelect' },
  'src/nn/functional/padding.ts': { loop: 1, why: 'pad: the gather index of replicate/circular/reflect padding' },
  'src/nn/functional/cross-entropy.ts': {
    loop: 1,
    why: 'class labels to safe gather indices and per-sample weights (one per sample, not per element)',
  },
  'src/data/dataset.ts': { callback: 1, why: 'Subset: checking the sample indices it is given' },
  // Per-channel scalars: a handful of batch-norm statistics, not tensor elements.
  'src/ops/norm.ts': {
    callback: 3,
    why: 'per-channel invstd and weight gradient from the channel statistics the kernels return',
  },
  // Parsing and decoding (one file or image at a time, before any tensor exists).
  'src/data/image/raw-image.ts': {
    storage: 1,
    loop: 3,
    why: 'viewImage hands an image view to the kernels; toTensor and convertImage decode one image (HWC bytes to CHW, PIL luma)',
  },
  'src/data/image-node/decode-image.ts': { loop: 2, why: 'decoding: PNG RGBA to the requested channels' },
  'src/data/image-node/image-folder.ts': {
    loop: 1,
    why: 'decoding: a resized image back to bytes when the folder is loaded',
  },
  // Random draws come from the JS Generator (a sequential stream), so they are made where it lives.
  'src/ops/sampling.ts': {
    storage: 1,
    loop: 4,
    why: 'bernoulli (a per-element probability, checked as it draws), multinomial, normal (Box-Muller: libm and V8 differ in the last bit): draws from the generator; dropout masks are a kernel (backend/random-kernels.ts)',
  },
  'src/nn/init.ts': {
    storage: 1,
    loop: 1,
    why: 'init: filling a parameter from the generator once, not an op (normal draws stay in JS, as sampling)',
  },
};

const TYPED =
  'Float32Array|Float64Array|Int32Array|Uint8Array|Uint8ClampedArray|Int8Array|Int16Array|Uint16Array|Uint32Array|FloatArray|TypedArray';
/** Right-hand sides that make a typed array of tensor elements. */
const TYPED_SOURCE = new RegExp(
  `^(new (${TYPED})\\(|(${TYPED})\\.(from|of)\\(|allocate\\(|dense\\w*\\(|contiguousData\\(|[\\w.]+\\.toTypedArray\\(\\)|[\\w.]+\\.storage\\.data)`,
);

/** Source without comments and string/template contents, line structure kept. */
function stripped(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/.*$/gm, '')
    .replace(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1/g, (m) => m[0] + ' '.repeat(m.length - 2) + m[0]);
}

/** A declared name (parameter or variable), where, and whether it holds a typed array. */
interface Decl {
  readonly name: string;
  readonly at: number;
  readonly typed: boolean;
}

/** Every annotated parameter/variable and every initialised variable, in source order. */
function declarations(src: string): Decl[] {
  const out: Decl[] = [];
  for (const m of src.matchAll(
    /(?:\b(?:const|let|var)\s+|[(,]\s*|\breadonly\s+)(\w+)\??\s*:\s*(?:readonly\s+)?([\w.]+)(\s*\[)?/g,
  )) {
    out.push({ name: m[1], at: m.index, typed: new RegExp(`^(${TYPED})$`).test(m[2]) && !m[3] });
  }
  for (const m of src.matchAll(/\b(?:const|let|var)\s+(\w+)(?:\s*:[^=]+)?\s*=\s*([^;\n]+)/g)) {
    out.push({ name: m[1], at: m.index, typed: TYPED_SOURCE.test(m[2].trim()) });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Whether `name` at position `at` is a typed array: its nearest declaration before it says (a field's anywhere). */
function isTyped(decls: readonly Decl[], name: string, at: number): boolean {
  let found: Decl | undefined;
  for (const d of decls) if (d.name === name && d.at < at) found = d;
  return (found ?? decls.find((d) => d.name === name))?.typed ?? false;
}

/** End (exclusive) of the block or parenthesis opening at `i`, or of the statement starting there. */
function bodyEnd(src: string, i: number): number {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const ch = src[j];
    if (ch === '{' || ch === '(' || ch === '[') depth++;
    else if (ch === '}' || ch === ')' || ch === ']') {
      depth--;
      if (depth === 0 && (src[i] === '{' || src[i] === '(')) return j + 1;
      if (depth < 0) return j;
    } else if (ch === ';' && depth === 0) return j + 1;
  }
  return src.length;
}

function lineOf(src: string, i: number): number {
  return src.slice(0, i).split('\n').length;
}

/** Every finding in one file: kind and line. */
export function findings(source: string): { kind: Kind; line: number }[] {
  const src = stripped(source);
  const decls = declarations(src);
  const typedAt = (name: string, at: number): boolean => isTyped(decls, name, at);
  const out: { kind: Kind; line: number }[] = [];
  for (const m of src.matchAll(/\.storage\.data\b/g)) out.push({ kind: 'storage', line: lineOf(src, m.index) });
  for (const m of src.matchAll(/\b(for|while)\s*\(/g)) {
    const head = bodyEnd(src, m.index + m[0].length - 1);
    let start = head;
    while (/\s/.test(src[start] ?? '')) start++;
    const body = src.slice(m.index, bodyEnd(src, start));
    const indexesTyped = [...body.matchAll(/(?<![\w.])(?:this\.)?(\w+)\[/g)].some((r) => typedAt(r[1], m.index));
    if (indexesTyped || /\.data\[/.test(body)) out.push({ kind: 'loop', line: lineOf(src, m.index) });
  }
  const perElement = new RegExp(
    `\\b(?:${TYPED})\\.from\\(\\s*(?:this\\.)?([\\w.]+)\\s*,|(?<![\\w.])(?:this\\.)?(\\w+)\\.(?:map|forEach)\\(`,
    'g',
  );
  for (const m of src.matchAll(perElement)) {
    const name = m[1] ?? m[2];
    if (name.endsWith('.data') || typedAt(name, m.index)) out.push({ kind: 'callback', line: lineOf(src, m.index) });
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('kernel boundary', () => {
  it('finds the three kinds of element access it looks for (and not a loop over shapes)', () => {
    const kinds = (src: string): Kind[] => findings(src).map((f) => f.kind);
    assert.deepEqual(kinds('const d = t.storage.data;'), ['storage']);
    assert.deepEqual(kinds('function f(x: Float32Array) { for (let i = 0; i < x.length; i++) x[i] *= 2; }'), ['loop']);
    assert.deepEqual(kinds('const out = new Float64Array(n);\nfor (let i = 0; i < n; i++) {\n  out[i] = 1;\n}'), [
      'loop',
    ]);
    assert.deepEqual(kinds('let i = 0; while (i < 3) v.data[i++] = 0;'), ['loop']);
    assert.deepEqual(kinds('function f(bytes: Uint8Array) { return Float32Array.from(bytes, (b) => b / 255); }'), [
      'callback',
    ]);
    assert.deepEqual(kinds('const n = Int32Array.from({ length: 3 }, (_, i) => i);'), []);
    assert.deepEqual(kinds('const shape = [2, 3];\nfor (let d = 0; d < shape.length; d++) strides[d] = shape[d];'), []);
    assert.deepEqual(kinds('// for (let i = 0; i < n; i++) x.storage.data[i] = 0;\nconst s = "a.data[0]";'), []);
  });

  for (const file of SCANNED.flatMap(sources)) {
    const rel = relative(ROOT, join(ROOT, file)).split('\\').join('/');
    it(rel, () => {
      const found = findings(readFileSync(join(ROOT, file), 'utf8'));
      const allowed = ALLOWED[rel];
      for (const kind of ['storage', 'loop', 'callback'] as const) {
        const lines = found.filter((f) => f.kind === kind).map((f) => f.line);
        const limit = allowed?.[kind] ?? 0;
        assert.ok(
          lines.length <= limit,
          `${rel}: ${lines.length} ${kind} finding(s) at line(s) ${lines.join(', ')} but ${limit} allowed: element work belongs in a backend kernel (src/backend), or add a reasoned entry to ALLOWED`,
        );
      }
      if (allowed) {
        const used = (['storage', 'loop', 'callback'] as const).some(
          (k) => (allowed[k] ?? 0) > 0 && found.some((f) => f.kind === k),
        );
        assert.ok(
          used || found.length > 0,
          `${rel}: its ALLOWED entry is no longer needed (${allowed.why}); remove it`,
        );
      }
    });
  }
});
