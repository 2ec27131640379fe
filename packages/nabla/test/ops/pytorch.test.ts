import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Tensor, type DType } from '../../src/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { assertClose } from '../helpers.js';
import { applyView, OPS, type Args } from './op-table.js';

interface Fixture {
  op: string;
  dtype: 'float32' | 'float64';
  args: Args;
  inputs: { shape: number[]; data: number[]; view: string | null }[];
  out: { shape: number[]; dtype: string; data: number[] };
  weight?: number[];
  grads?: (number[] | null)[];
}

// JSON has no NaN or infinities: the generator writes them as 'nan', 'inf', '-inf'.
const revive = (_key: string, v: unknown): unknown => (v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/ops.json', import.meta.url), 'utf8'), revive) as { cases: Fixture[] };

const ARRAYS = { float32: Float32Array, float64: Float64Array };
/** 1e-5 relative for both (float64 agrees to ~1e-12 today; float32 sums may round differently). */
const tolerance = (dtype: DType) => (dtype === 'float64' ? { rtol: 1e-5, atol: 1e-10 } : { rtol: 1e-5, atol: 1e-6 });

function label(c: Fixture): string {
  const shapes = c.inputs.map((x) => `[${x.shape.join(',')}]${x.view ? `.${x.view}` : ''}`).join(' ');
  return `${c.op}(${shapes}) ${JSON.stringify(c.args)} ${c.dtype}`;
}

function check(c: Fixture): void {
  const inputs = c.inputs.map((x) => Tensor.fromData(ARRAYS[c.dtype].from(x.data), x.shape).requiresGrad_());
  const out = OPS[c.op](inputs.map((x, i) => applyView(x, c.inputs[i].view)), c.args);
  const tol = tolerance(c.dtype);
  assert.deepEqual([...out.shape], c.out.shape, 'output shape');
  assert.equal(out.dtype, c.out.dtype === 'int64' ? 'int32' : c.out.dtype, 'output dtype');
  assertClose(out, c.out.data, { ...tol, message: 'forward' });
  if (!c.weight || !c.grads) return;
  const w = Tensor.fromData(ARRAYS[out.dtype as 'float32' | 'float64'].from(c.weight), out.shape);
  out.mul(w).sum().backward();
  c.grads.forEach((g, k) => {
    if (g === null) return;
    assert.ok(inputs[k].grad, `input ${k} got no gradient`);
    assertClose(inputs[k].grad!, g, { ...tol, message: `gradient of input ${k}` });
  });
}

for (const backend of backendsUnderTest()) {
  describe(`ops match PyTorch ${JSON.stringify((fixtures as { torch?: string }).torch)} (${backend.name} backend)`, () => {
    for (const c of fixtures.cases) {
      it(label(c), () => withBackend(backend, () => check(c)));
    }
  });
}
