/**
 * EmbeddingBag against PyTorch 1.13 (fixture: gen_sequences.py embeddingBag): F.embedding_bag in
 * sum, mean and max mode over 2-D bags and 1-D input with offsets (includeLastOffset, empty bags,
 * paddingIdx, perSampleWeights), the output and the gradients of the weight and the per-sample
 * weights; plus the layer's init, repr and errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type DType, gradcheck, manualSeed, nn, randn, type Tensor, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

interface Enc {
  dtype: DType;
  shape: number[];
  data: number[];
}
interface Case {
  mode: 'sum' | 'mean' | 'max';
  input: Enc;
  offsets: Enc | null;
  includeLastOffset: boolean;
  paddingIdx: number | null;
  weight: Enc;
  perSampleWeights?: Enc;
  out: Enc;
  w: Enc;
  gradWeight: Enc;
  gradPerSampleWeights?: Enc;
}
const dec = (e: Enc): Tensor => tensor(e.data, { dtype: e.dtype }).reshape(e.shape);
const cases = JSON.parse(readFileSync(new URL('../fixtures/sequences.json', import.meta.url), 'utf8'))
  .embeddingBag as Case[];
const tol = { rtol: 1e-9, atol: 1e-12 };
const { embeddingBag } = nn.functional;

describe('embeddingBag matches F.embedding_bag', () => {
  for (const c of cases) {
    const label = `${c.mode}, input ${JSON.stringify(c.input.shape)}${c.offsets ? `, offsets ${JSON.stringify(c.offsets.data)}` : ''}${c.includeLastOffset ? ', includeLastOffset' : ''}${c.paddingIdx === null ? '' : `, paddingIdx ${c.paddingIdx}`}${c.perSampleWeights ? ', perSampleWeights' : ''}`;
    it(label, () => {
      const weight = dec(c.weight).requiresGrad_();
      const psw = c.perSampleWeights ? dec(c.perSampleWeights).requiresGrad_() : null;
      const out = embeddingBag(dec(c.input), weight, c.offsets ? dec(c.offsets) : null, {
        mode: c.mode,
        perSampleWeights: psw,
        includeLastOffset: c.includeLastOffset,
        paddingIdx: c.paddingIdx ?? undefined,
      });
      assertClose(out, dec(c.out), { ...tol, message: 'output' });
      out.mul(dec(c.w)).sum().backward();
      assertClose(weight.grad!, dec(c.gradWeight), { ...tol, message: 'grad weight' });
      if (psw) assertClose(psw.grad!, dec(c.gradPerSampleWeights!), { ...tol, message: 'grad perSampleWeights' });
    });
  }

  it('gradcheck: mean with offsets and padding, sum with per-sample weights', () => {
    manualSeed(3);
    const input = tensor([2, 0, 5, 5, 1, 0], { dtype: 'int32' });
    const offsets = tensor([0, 2, 2], { dtype: 'int32' });
    const weight = randn([6, 4], { dtype: 'float64' }).requiresGrad_();
    const psw = randn([6], { dtype: 'float64' }).requiresGrad_();
    assert.equal(
      gradcheck((w) => embeddingBag(input, w, offsets, { mode: 'mean', paddingIdx: 0 }), [weight]),
      true,
    );
    assert.equal(
      gradcheck((w, s) => embeddingBag(input, w, offsets, { mode: 'sum', perSampleWeights: s }), [weight, psw]),
      true,
    );
  });
});

describe('EmbeddingBag layer', () => {
  it('N(0, 1) weight with the padding row zeroed; forward as the functional form; repr like PyTorch', () => {
    manualSeed(1);
    const bag = new nn.EmbeddingBag(10, 3, { mode: 'sum', paddingIdx: 2 });
    assert.deepEqual(bag.weight.select(0, 2).tolist(), [0, 0, 0]);
    assert.deepEqual(Object.keys(bag.stateDict()), ['weight']);
    const input = tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: 'int32' });
    const offsets = tensor([0, 4], { dtype: 'int32' });
    assertClose(bag.forward(input, offsets), embeddingBag(input, bag.weight, offsets, { mode: 'sum', paddingIdx: 2 }), {
      rtol: 0,
      atol: 0,
    });
    assert.equal(String(bag), 'EmbeddingBag(10, 3, mode=sum, paddingIdx=2)');
    assert.equal(String(new nn.EmbeddingBag(10, 3)), 'EmbeddingBag(10, 3, mode=mean)');
  });

  it('names the problem in bad input', () => {
    const w = randn([5, 2]);
    const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });
    assert.throws(() => embeddingBag(tensor([1, 2]), w, i32([0])), /indices must be an int32 tensor, got float32/);
    assert.throws(() => embeddingBag(i32([1, 2]), w), /1-D input needs 1-D int32 offsets/);
    assert.throws(() => embeddingBag(i32([1, 2]), w, i32([1])), /offsets\[0\] must be 0/);
    assert.throws(() => embeddingBag(i32([1, 2]), w, i32([0, 3])), /non-decreasing and at most 2/);
    assert.throws(
      () => embeddingBag(i32([1, 2]), w, i32([0]), { mode: 'max', perSampleWeights: randn([2]) }),
      /only supported with mode 'sum'/,
    );
    assert.throws(() => new nn.EmbeddingBag(5, 2, { mode: 'median' as 'sum' }), /mode must be 'sum', 'mean' or 'max'/);
  });
});
