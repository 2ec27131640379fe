/**
 * Every op of the op table against PyTorch 1.13, case by case (scripts/fixtures/gen_ops.py →
 * test/fixtures/ops.json), on every backend: values, shapes, result dtypes, {values, indices}
 * pairs, lists, plain values, errors where PyTorch raises, and gradients of sum(out * w).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Tensor, cat, tensor, type DType, type ValuesIndices } from '../../src/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import type { Args, Call, Result } from './op-info.js';
import { OPS } from './op-table.js';

interface Enc {
  dtype: DType;
  shape: number[];
  data: (number | string)[];
}
interface Case {
  op: string;
  args: Args;
  inputs: Enc[];
  views?: (string | null)[];
  out?: { t?: Enc; vi?: [Enc, Enc]; list?: Enc[]; value?: number | boolean };
  error?: string;
  w?: Enc;
  grads?: Enc[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/ops.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
};

const value = (v: number | string): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number);

function decode(e: Enc, requiresGrad = false): Tensor {
  const t = tensor(e.data.map(value), { dtype: e.dtype }).reshape(e.shape);
  return requiresGrad ? t.detach().requiresGrad_() : t;
}

/** The generator's input views: 't' swaps the last two dims, 'step' takes every other row. */
function applyView(x: Tensor, how: string | null | undefined): Tensor {
  if (how === 't') return x.transpose(-2, -1);
  if (how === 'step') return x.slice(0, undefined, undefined, 2);
  return x;
}

/** float64 agrees with PyTorch to ~1e-12; float32 sums may round differently. */
function close(a: number, e: number, dtype: DType): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (a === e) return true;
  const [rtol, atol] = dtype === 'float64' ? [1e-7, 1e-10] : [1e-5, 1e-6];
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

/** Why `actual` differs from `expected`, or null when it matches (dtype, shape, elements). */
function diff(actual: Tensor, expected: Enc, what: string): string | null {
  if (!(actual instanceof Tensor)) return `${what}: expected a tensor, got ${String(actual)}`;
  if (actual.dtype !== expected.dtype) return `${what}: dtype ${actual.dtype}, PyTorch ${expected.dtype}`;
  if (actual.shape.join() !== expected.shape.join())
    return `${what}: shape [${actual.shape}], PyTorch [${expected.shape}]`;
  const a = actual.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const e = value(expected.data[i]);
    if (!close(a[i], e, expected.dtype)) return `${what}: element ${i} is ${a[i]}, PyTorch ${e}`;
  }
  return null;
}

const isPair = (r: Result): r is ValuesIndices => typeof r === 'object' && 'values' in r && 'indices' in r;

function primary(r: Result): Tensor {
  if (r instanceof Tensor) return r;
  if (isPair(r)) return r.values;
  if (Array.isArray(r)) return cat(r.map((t) => t.reshape(-1)));
  throw new Error('no tensor to differentiate');
}

function checkOutput(r: Result, out: NonNullable<Case['out']>): string | null {
  if (out.t) return diff(r as Tensor, out.t, 'output');
  if (out.vi) {
    if (r instanceof Tensor || !isPair(r)) return 'expected { values, indices }';
    if (r[0] !== r.values || r[1] !== r.indices) return 'the pair [values, indices] disagrees with .values / .indices';
    return diff(r.values, out.vi[0], 'values') ?? diff(r.indices, out.vi[1], 'indices');
  }
  if (out.list) {
    if (!Array.isArray(r)) return 'expected a list of tensors';
    if (r.length !== out.list.length) return `${r.length} tensors, PyTorch ${out.list.length}`;
    for (let i = 0; i < r.length; i++) {
      const d = diff(r[i], out.list[i], `tensor ${i}`);
      if (d) return d;
    }
    return null;
  }
  return r === out.value ? null : `returned ${String(r)}, PyTorch ${String(out.value)}`;
}

function runCase(call: Call, c: Case): string | null {
  const grad = c.grads !== undefined;
  const inputs = c.inputs.map((e) => decode(e, grad && (e.dtype === 'float32' || e.dtype === 'float64')));
  const viewed = inputs.map((x, i) => applyView(x, c.views?.[i]));
  if (c.error !== undefined) {
    try {
      const r = call(viewed, c.args);
      return `PyTorch raises (${c.error}) but nabla returned ${r instanceof Tensor ? `shape [${r.shape}]` : typeof r}`;
    } catch {
      return null;
    }
  }
  let r: Result;
  try {
    r = call(viewed, c.args);
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
  const bad = checkOutput(r, c.out!);
  if (bad || !grad) return bad;
  primary(r).mul(decode(c.w!)).sum().backward();
  const floats = inputs.filter((t) => t.requiresGrad);
  for (let i = 0; i < floats.length; i++) {
    const g = floats[i].grad ?? floats[i].mul(0).detach();
    const d = diff(g, c.grads![i], `grad of input ${i}`);
    if (d) return d;
  }
  return null;
}

const label = (c: Case): string =>
  `${c.op}(${c.inputs.map((e, i) => `${e.dtype}[${e.shape}]${c.views?.[i] ? `.${c.views[i]}` : ''}`).join(', ')}) ${JSON.stringify(c.args)}`;

const byOp = new Map<string, Case[]>();
for (const c of fixture.cases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

describe('the op table and the PyTorch fixture cover each other', () => {
  it('every fixture op has a call in the table', () => {
    assert.deepEqual(
      [...byOp.keys()].filter((op) => !OPS[op]?.call),
      [],
    );
  });
  it('every call in the table has PyTorch cases', () => {
    assert.deepEqual(
      Object.keys(OPS).filter((op) => OPS[op].call && !byOp.has(op)),
      [],
    );
  });
});

for (const backend of backendsUnderTest()) {
  describe(`ops match PyTorch ${fixture.torch} (${backend.name} backend)`, () => {
    for (const [op, cases] of byOp) {
      const call = OPS[op]?.call;
      if (!call) continue;
      it(`${op} (${cases.length} cases)`, () =>
        withBackend(backend, () => {
          const failures = cases
            .map((c) => [c, runCase(call, c)] as const)
            .filter(([, why]) => why !== null)
            .map(([c, why]) => `${label(c)}: ${why}`);
          assert.deepEqual(failures, []);
        }));
    }
  });
}
