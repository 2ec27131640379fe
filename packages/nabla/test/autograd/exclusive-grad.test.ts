import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linear } from '../../src/ops/matmul.js';
import { tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

// linear's weight gradient becomes .grad without a copy; these check the cases where it must not.
describe('leaf gradients taken without a copy', () => {
  const x = tensor([
    [1, 2],
    [3, -1],
  ]);

  it('a weight used twice gets the sum, and a retained second pass adds to it', () => {
    const w = tensor(
      [
        [0.5, -1],
        [2, 1],
      ],
      { requiresGrad: true },
    );
    const loss = linear(linear(x, w), w).sum();
    loss.backward(undefined, { retainGraph: true });
    const first = w.grad!.toArray();
    loss.backward();
    assertClose(w.grad!, tensor(first).mul(2), { rtol: 1e-6, atol: 0 });
  });

  it('each leaf owns its gradient storage, so in-place edits of one touch no other tensor', () => {
    const w = tensor(
      [
        [0.5, -1],
        [2, 1],
      ],
      { requiresGrad: true },
    );
    const h = linear(x, w);
    const v = tensor(
      [
        [1, 1],
        [1, -1],
      ],
      { requiresGrad: true },
    );
    const out = linear(h, v);
    out.sum().backward();
    const vGrad = v.grad!.toArray();
    assert.notEqual(w.grad!.storage, v.grad!.storage);
    w.grad!.mul_(0);
    assert.deepEqual(v.grad!.toArray(), vGrad);
    assert.deepEqual(w.toArray(), [
      [0.5, -1],
      [2, 1],
    ]);
  });
});
