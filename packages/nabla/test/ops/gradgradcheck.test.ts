/**
 * Second-derivative checks (float64) of every op-table entry that has gradient checks: the same
 * cases as gradcheck.test.ts, through `gradgradcheck`, so each backward rule is shown to be
 * recorded correctly under `createGraph`. Every case passes, none is excluded: piecewise ops
 * (abs, relu, clamp, max pooling, maximum) are checked away from their kinks, where PyTorch's
 * second derivatives are the same (zero for the piecewise-linear ones).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, gradgradcheck, manualSeed, nn, randn, type Tensor, tensor } from '../../src/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { makeInput } from './op-info.js';
import { OPS } from './op-table.js';

for (const backend of backendsUnderTest()) {
  describe(`gradgradcheck on every twice-differentiable op (${backend.name} backend)`, () => {
    for (const [op, { gradcheck: cases = [] }] of Object.entries(OPS)) {
      for (const c of cases) {
        it(`${op}: ${c.name}`, () =>
          withBackend(backend, () => {
            const inputs: Tensor[] = c.inputs.map(makeInput);
            assert.equal(gradgradcheck(c.fn, inputs, c.options), true);
          }));
      }
    }
  });
}

/** float64 leaves that require grad, drawn from a fixed generator. */
const gen = new Generator(21);
const f64 = (...shape: number[]): Tensor => randn(shape, { dtype: 'float64', generator: gen }).detach().requiresGrad_();

describe('gradgradcheck on layers and losses composed from the ops (js backend)', () => {
  const F = nn.functional;
  const cases: [string, Tensor[], (...xs: Tensor[]) => Tensor][] = [
    [
      'gelu, silu, softplus, elu, logSigmoid',
      [f64(3, 4)],
      (x) => F.gelu(x).add(F.silu(x)).add(F.softplus(x)).add(F.elu(x, 0.7)).add(F.logSigmoid(x)),
    ],
    [
      'crossEntropy with label smoothing',
      [f64(4, 5)],
      (x) => F.crossEntropy(x, tensor([1, 0, 4, 2], { dtype: 'int32' }), { labelSmoothing: 0.1 }),
    ],
    [
      'binaryCrossEntropyWithLogits and mseLoss',
      [f64(3, 2), f64(3, 2)],
      (x, t) => F.binaryCrossEntropyWithLogits(x, t.sigmoid()).add(F.mseLoss(x, t)),
    ],
    [
      'embedding',
      [f64(5, 3)],
      (w) =>
        F.embedding(
          tensor(
            [
              [0, 4],
              [2, 2],
            ],
            { dtype: 'int32' },
          ),
          w,
        ).tanh(),
    ],
  ];
  for (const [name, inputs, fn] of cases) {
    it(name, () => assert.equal(gradgradcheck(fn, inputs), true));
  }

  it('LSTM and GRU over a sequence, with an initial state', () => {
    manualSeed(3);
    const lstm = new nn.LSTM(3, 4).double();
    const gru = new nn.GRU(3, 4).double();
    const fn = (x: Tensor, h0: Tensor, c0: Tensor): Tensor => {
      const [out, [hN, cN]] = lstm.forward(x, [h0, c0]);
      const [out2] = gru.forward(x, h0);
      return out.sum(0).add(hN.mul(cN).sum(0)).add(out2.sum(0));
    };
    assert.equal(gradgradcheck(fn, [f64(4, 2, 3), f64(1, 2, 4), f64(1, 2, 4)]), true);
  });
});
