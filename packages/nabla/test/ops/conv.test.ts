/** conv/pool/norm argument errors and shape corner cases (their gradchecks are in the op table: table/nn-functional.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nn, randn, tensor } from '../../src/index.js';

const { avgPool2d, batchNorm, conv1d, conv2d, convTranspose2d, groupNorm, interpolate, layerNorm, maxPool2d } =
  nn.functional;

describe('conv/pool argument errors', () => {
  it('names the expected [N, C, H, W] and the shape that came', () => {
    assert.throws(
      () => conv2d(randn([2, 5, 8, 8]), randn([4, 3, 3, 3])),
      /expected input of shape \[N, C, H, W\] with C = 3.*got \[2, 5, 8, 8\]/,
    );
    assert.throws(() => conv2d(randn([8, 8]), randn([4, 3, 3, 3])), /\[N, C, H, W\].*got \[8, 8\]/);
    assert.throws(() => conv2d(randn([1, 3, 2, 2]), randn([4, 3, 3, 3])), /smaller than the dilated kernel 3x3/);
    assert.throws(
      () => conv2d(randn([1, 4, 5, 5]), randn([3, 2, 3, 3]), null, { groups: 2 }),
      /outChannels 3 must be divisible by groups 2/,
    );
    assert.throws(
      () => conv2d(randn([1, 3, 5, 5]), randn([4, 3, 3, 3]), null, { padding: 'same', stride: 2 }),
      /'same' is not supported for strided/,
    );
    assert.throws(() => conv2d(randn([1, 3, 5, 5]), randn([4, 3, 3, 3]), randn([3])), /bias of shape \[4\], got \[3\]/);
    assert.throws(() => conv2d(tensor([[[[1]]]], { dtype: 'int32' }), randn([1, 1, 1, 1])), /floating point/);
    assert.throws(() => maxPool2d(randn([1, 1, 4, 4]), 2, { padding: 2 }), /at most half/);
    assert.throws(() => avgPool2d(randn([5, 4]), 2), /\[N, C, H, W\].*got \[5, 4\]/);
    assert.throws(() => batchNorm(randn([1, 3]), null, null, { training: true }), /more than 1 value per channel/);
    assert.throws(() => layerNorm(randn([2, 3]), [4]), /expected input of shape \[\*, 4\], got \[2, 3\]/);
    assert.throws(
      () => groupNorm(randn([2, 6, 3]), 4),
      /6 channels \(input \[2, 6, 3\]\) cannot be split into 4 groups/,
    );
    assert.throws(
      () => convTranspose2d(randn([1, 3, 4, 4]), randn([2, 3, 3, 3])),
      /\[N, C, H, W\] with C = 2.*got \[1, 3, 4, 4\]/,
    );
    assert.throws(
      () => convTranspose2d(randn([1, 2, 4, 4]), randn([2, 3, 3, 3]), null, { stride: 2, outputPadding: 2 }),
      /outputPadding 2x2 must be smaller/,
    );
    assert.throws(
      () => interpolate(randn([1, 1, 4, 4]), { size: 2, scaleFactor: 2 }),
      /exactly one of size and scaleFactor/,
    );
  });

  it('a dilated max-pool window that misses the input gives -inf and keeps its gradient in its own plane', () => {
    const x = randn([2, 3, 1, 2], { requiresGrad: true });
    const y = maxPool2d(x, [2, 1], { stride: 1, padding: [1, 0], dilation: [2, 1] }); // taps at rows -1 and 1 of a 1-row input
    assert.deepEqual(y.shape, [2, 3, 1, 2]);
    assert.ok(Array.from(y.toTypedArray()).every((v) => v === -Infinity));
    y.sum().backward();
    assert.deepEqual(Array.from(x.grad!.sum([2, 3]).toTypedArray()), [2, 2, 2, 2, 2, 2]);
  });

  it('keeps unbatched inputs unbatched', () => {
    assert.deepEqual(conv2d(randn([3, 6, 6]), randn([2, 3, 3, 3])).shape, [2, 4, 4]);
    assert.deepEqual(maxPool2d(randn([3, 6, 6]), 2).shape, [3, 3, 3]);
    assert.deepEqual(conv1d(randn([3, 9]), randn([2, 3, 3]), null, { padding: 'same' }).shape, [2, 9]);
  });
});
