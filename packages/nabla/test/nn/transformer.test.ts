/**
 * TransformerEncoderLayer / TransformerEncoder against PyTorch 1.13 (fixture: gen_api_nn.py
 * transformer), from PyTorch's state dicts in eval mode: post-norm ReLU, pre-norm GELU with a
 * causal mask, and a two-layer encoder with a final LayerNorm and a padding mask.
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
  kind: 'layer' | 'encoder';
  nhead: number;
  options: nn.TransformerEncoderLayerOptions;
  call: { srcMask?: Enc; srcKeyPaddingMask?: Enc };
  state: Record<string, Enc>;
  x: Enc;
  out: Enc;
  w: Enc;
  gradX: Enc;
  gradParams: Record<string, Enc>;
}
const dec = (e: Enc): Tensor => tensor(e.data, { dtype: e.dtype }).reshape(e.shape);
const cases = JSON.parse(readFileSync(new URL('../fixtures/api-nn.json', import.meta.url), 'utf8'))
  .transformer as Case[];

cases.forEach((c) => {
  test(`Transformer ${c.kind} (${JSON.stringify(c.options)}, ${Object.keys(c.call).join(', ') || 'no mask'}) matches PyTorch`, () => {
    const layer = new nn.TransformerEncoderLayer(8, c.nhead, c.options);
    const m = c.kind === 'layer' ? layer : new nn.TransformerEncoder(layer, 2, new nn.LayerNorm(8));
    m.eval();
    assert.deepEqual(Object.keys(m.stateDict()), Object.keys(c.state), 'state-dict keys');
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, dec(v)])));
    const x = dec(c.x).requiresGrad_();
    const masks = {
      srcMask: c.call.srcMask ? dec(c.call.srcMask) : null,
      srcKeyPaddingMask: c.call.srcKeyPaddingMask ? dec(c.call.srcKeyPaddingMask) : null,
    };
    const out = m.forward(x.float(), masks);
    assertClose(out, dec(c.out), { rtol: 1e-5, atol: 1e-5, message: 'output' });
    out.mul(dec(c.w).float()).sum().backward();
    assertClose(x.grad!, dec(c.gradX), { rtol: 1e-3, atol: 1e-3, message: 'grad x' });
    for (const [name, p] of m.namedParameters())
      assertClose(p.grad!, dec(c.gradParams[name]), { rtol: 1e-3, atol: 1e-3, message: `grad ${name}` });
  });
});

test('TransformerEncoder copies the layer (same initial weights, independent parameters)', () => {
  manualSeed(8);
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  const enc = new nn.TransformerEncoder(layer, 3);
  const sd = enc.stateDict();
  assertClose(sd['layers.2.linear1.weight'], layer.linear1.weight.detach());
  assert.notEqual(enc.layers.at(0).linear1.weight, enc.layers.at(1).linear1.weight);
  assert.deepEqual([...enc.train().forward(randn([4, 2, 8])).shape], [4, 2, 8]);
});
