import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grad, randn, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('grad() (torch.autograd.grad)', () => {
  it('returns gradients of leaves and intermediates without touching .grad', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(x); // intermediate
    const y = h.mul(2).sum();
    const [dx, dh] = grad(y, [x, h]);
    assertClose(dx!, [4, 8, 12]);
    assertClose(dh!, [2, 2, 2]);
    assert.equal(x.grad, null);
  });

  it('matches backward() on a broadcast product, and takes a gradOutput', () => {
    const a = randn([3, 4], { requiresGrad: true });
    const b = randn([4], { requiresGrad: true });
    const w = randn([3, 4]);
    const [da, db] = grad(a.mul(b), [a, b], { gradOutput: w, retainGraph: true });
    a.mul(b).backward(w);
    assertClose(da!, a.grad!);
    assertClose(db!, b.grad!);
  });

  it('names an unused input unless allowUnused, and refuses inputs that need no grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const z = tensor([3], { requiresGrad: true });
    assert.throws(() => grad(x.sum(), [z]), /input 0 \(shape \[1\]\) was not used/);
    assert.deepEqual(grad(x.sum(), [x, z], { allowUnused: true })[1], null);
    assert.throws(() => grad(x.sum(), [tensor([1])]), /does not require grad/);
  });
});
