/**
 * MultiheadAttention against PyTorch 1.13 (fixture: gen_api_nn.py attention): from PyTorch's state
 * dict, output and attention weights (averaged or per head) and the gradients wrt query, key,
 * value and every parameter agree, with no mask, a causal bool mask, a key padding mask and an
 * additive float mask; plus the parameter names and init of a fresh layer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Tensor, manualSeed, nn, randn, tensor, type DType } from '../../src/index.js';
import { assertClose } from '../helpers.js';

interface Enc {
  dtype: DType;
  shape: number[];
  data: number[];
}
interface Case {
  numHeads: number;
  options: nn.MultiheadAttentionOptions;
  call: { keyPaddingMask?: Enc; attnMask?: Enc; averageAttnWeights?: boolean };
  state: Record<string, Enc>;
  q: Enc;
  k: Enc;
  v: Enc;
  out: Enc;
  weights: Enc;
  w1: Enc;
  w2: Enc;
  grads: Enc[];
  gradParams: Record<string, Enc>;
}
const dec = (e: Enc): Tensor => tensor(e.data, { dtype: e.dtype }).reshape(e.shape);
const cases = JSON.parse(readFileSync(new URL('../fixtures/api-nn.json', import.meta.url), 'utf8')).attention as Case[];
const tol = { rtol: 1e-4, atol: 1e-5 };

cases.forEach((c, i) => {
  test(`MultiheadAttention case ${i} (${JSON.stringify(c.options)}, ${Object.keys(c.call).join(', ') || 'no mask'}) matches PyTorch`, () => {
    const m = new nn.MultiheadAttention(8, c.numHeads, c.options);
    assert.deepEqual(Object.keys(m.stateDict()), Object.keys(c.state), 'parameter names');
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, dec(v)])));
    const [q, k, v] = [dec(c.q), dec(c.k), dec(c.v)].map((t) => t.requiresGrad_());
    const mask = c.call.attnMask ? dec(c.call.attnMask) : null;
    const [out, weights] = m.forward(q.float(), k.float(), v.float(), {
      keyPaddingMask: c.call.keyPaddingMask ? dec(c.call.keyPaddingMask) : null,
      attnMask: mask && mask.dtype !== 'bool' ? mask.float() : mask,
      averageAttnWeights: c.call.averageAttnWeights ?? true,
    });
    assertClose(out, dec(c.out), { ...tol, message: 'output' });
    assertClose(weights!, dec(c.weights), { ...tol, message: 'weights' });
    out
      .mul(dec(c.w1).float())
      .sum()
      .add(weights!.mul(dec(c.w2).float()).sum())
      .backward();
    [q, k, v].forEach((t, j) =>
      assertClose(t.grad!, dec(c.grads[j]), { rtol: 1e-3, atol: 1e-4, message: `grad ${'qkv'[j]}` }),
    );
    for (const [name, p] of m.namedParameters())
      assertClose(p.grad!, dec(c.gradParams[name]), { rtol: 1e-3, atol: 1e-4, message: `grad ${name}` });
  });
});

test('a fresh MultiheadAttention: names, zero biases, xavier-uniform in_proj_weight', () => {
  manualSeed(4);
  const m = new nn.MultiheadAttention(64, 8);
  assert.deepEqual(Object.keys(m.stateDict()), ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  const bound = Math.sqrt(6 / (64 + 192));
  const w = m.inProjWeight;
  assert.ok(w.abs().max().item() <= bound && w.abs().max().item() > 0.95 * bound);
  assert.equal(m.inProjBias!.abs().sum().item(), 0);
  assert.equal(m.outProj.bias!.abs().sum().item(), 0);
  assert.deepEqual([...m.forward(randn([5, 3, 64]), randn([7, 3, 64]), randn([7, 3, 64]))[0].shape], [5, 3, 64]);
});
