/**
 * gradcheck.ts's gradgradcheck: it passes twice-differentiable functions and catches a backward
 * that is right to first order but not differentiable (or wrong) to second order, naming the
 * input or the output gradient v. (The op table runs through it in test/ops/gradgradcheck.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customFunction, gradcheck, gradgradcheck, randn, type Tensor } from '../../src/index.js';

const f64 = (...shape: number[]): Tensor => randn(shape, { dtype: 'float64', requiresGrad: true });

/** x³ whose backward reads a detached x: first derivatives are right, second ones are missing. */
const detachedCube = customFunction({
  name: 'DetachedCube',
  forward(ctx, x: Tensor) {
    ctx.saveForBackward(x);
    return x.pow(3);
  },
  backward(ctx, dy) {
    return dy.mul(ctx.savedTensors[0].detach().square().mul(3));
  },
});

/** x² whose backward detaches dy: right to first order, but not differentiable in v (the output gradient). */
const detachedDy = customFunction({
  name: 'BadInV',
  forward(ctx, x: Tensor) {
    ctx.saveForBackward(x);
    return x.square();
  },
  backward(ctx, dy) {
    return dy.detach().mul(ctx.savedTensors[0].mul(2));
  },
});

describe('gradgradcheck', () => {
  it('passes functions that are twice differentiable', () => {
    assert.equal(
      gradgradcheck((x, w) => x.matmul(w).tanh().mul(x.sum()), [f64(2, 3), f64(3, 4)]),
      true,
    );
    assert.equal(
      gradgradcheck((x) => x.softmax(-1).log(), [f64(3, 4)]),
      true,
    );
  });

  it('catches a backward that is not recorded under createGraph', () => {
    const x = f64(4);
    assert.equal(gradcheck(detachedCube, [x]), true);
    assert.throws(() => gradgradcheck(detachedCube, [x]), /gradgradcheck: input 0 \(shape \[4\]\) element \d+/);
  });

  it('names the output gradient v when the backward is wrong in it', () => {
    assert.equal(gradcheck(detachedDy, [f64(3)]), true);
    assert.throws(() => gradgradcheck(detachedDy, [f64(3)]), /gradgradcheck: the output gradient v/);
  });

  it('takes the same options as gradcheck (random directions on large inputs)', () => {
    assert.equal(
      gradgradcheck((x) => x.sin().sum(0), [f64(20, 10)], { directions: 3 }),
      true,
    );
  });
});
