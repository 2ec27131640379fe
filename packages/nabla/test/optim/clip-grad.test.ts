import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor, zeros, type Tensor } from '../../src/index.js';
import { clipGradNorm, clipGradValue } from '../../src/optim/index.js';
import { assertClose } from '../helpers.js';
import { fixture } from './problem.js';

const { clip } = fixture;

function paramsWithGrads(): Tensor[] {
  return clip.grads.map(({ shape, data }) => {
    const p = zeros(shape).requiresGrad_();
    p.grad = tensor(data).reshape(shape);
    return p;
  });
}

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const c of clip.norm) {
    it(`maxNorm ${c.maxNorm}, normType ${c.normType}`, () => {
      const params = paramsWithGrads();
      const total = clipGradNorm(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
      assert.deepEqual(total.shape, []);
      assertClose(total.item(), c.total, { rtol: 1e-6 });
      params.forEach((p, i) => assertClose(p.grad!, c.clipped[i], { rtol: 1e-6, atol: 1e-7, message: `grad ${i}` }));
    });
  }

  it('returns 0 for parameters without gradients and skips them', () => {
    const p = zeros([3]).requiresGrad_();
    assert.equal(clipGradNorm([p], 1).item(), 0);
    const [a] = paramsWithGrads();
    const total = clipGradNorm([a, p], 1e9);
    assert.ok(total.item() > 0);
    assert.equal(p.grad, null);
  });

  it('errorIfNonfinite refuses an infinite norm', () => {
    const p = zeros([2]).requiresGrad_();
    p.grad = tensor([Infinity, 1]);
    assert.throws(() => clipGradNorm(p, 1, 2, true), /non-finite/);
    assert.equal(clipGradNorm(p, 1).item(), Infinity);
  });
});

describe('clipGradValue', () => {
  it('matches torch.nn.utils.clip_grad_value_', () => {
    const params = paramsWithGrads();
    clipGradValue(params, clip.value.clipValue);
    params.forEach((p, i) => assertClose(p.grad!, clip.value.clipped[i], { rtol: 0, atol: 0, message: `grad ${i}` }));
  });
});
