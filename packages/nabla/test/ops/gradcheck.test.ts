/**
 * Finite-difference gradient checks (float64) of every op-table entry that has them, on every
 * backend: contiguous, transposed and strided inputs, broadcasting, 0-d and size-0 shapes, and
 * chosen points (zeros, domain edges); plus checks that gradcheck itself catches wrong gradients.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, zeros, type Tensor } from '../../src/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { makeInput } from './op-info.js';
import { OPS } from './op-table.js';

for (const backend of backendsUnderTest()) {
  describe(`gradcheck on every differentiable op (${backend.name} backend)`, () => {
    for (const [op, { gradcheck: cases = [] }] of Object.entries(OPS)) {
      for (const c of cases) {
        it(`${op}: ${c.name}`, () =>
          withBackend(backend, () => {
            const inputs: Tensor[] = c.inputs.map(makeInput);
            assert.equal(gradcheck(c.fn, inputs, c.options), true);
            inputs.forEach((x, k) => {
              assert.ok(x.grad, `input ${k} received no gradient`);
              assert.deepEqual([...x.grad.shape], [...x.shape], `gradient shape of input ${k}`);
              assert.equal(x.grad.dtype, x.dtype, `gradient dtype of input ${k}`);
            });
          }));
      }
    }
  });
}

describe('gradcheck itself', () => {
  it('catches a wrong gradient', () => {
    const x = makeInput({ shape: [3] });
    // detach() hides half the dependence from autograd, so the analytic gradient is wrong.
    assert.throws(() => gradcheck((t) => t.mul(t.detach()), [x]), /gradcheck: input 0/);
  });

  it('checks large inputs along random directions, and still catches a wrong gradient there', () => {
    const a = makeInput({ shape: [30, 40] });
    const b = makeInput({ shape: [40, 20] });
    assert.equal(
      gradcheck((p, q) => p.matmul(q).tanh(), [a, b], { directions: 4 }),
      true,
    );
    assert.throws(
      () => gradcheck((p, q) => p.matmul(q.detach()).add(q.sum()), [a, b], { directions: 2 }),
      /input 1 .*direction/,
    );
  });
});

describe('gradients at points where a finite difference cannot look', () => {
  it('norm at an all-zero input has a zero gradient (PyTorch), not NaN', () => {
    for (const backend of backendsUnderTest()) {
      withBackend(backend, () => {
        const z = zeros([4], { dtype: 'float64', requiresGrad: true });
        z.norm().backward();
        assert.deepEqual(Array.from(z.grad!.toTypedArray()), [0, 0, 0, 0]);
      });
    }
  });
});
