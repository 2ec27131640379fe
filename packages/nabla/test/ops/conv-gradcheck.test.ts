import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, randn, tensor, type Backend, type Tensor } from '../../src/index.js';
import { conv1d, conv2d, type Conv2dOptions } from '../../src/ops/conv.js';
import { convTranspose2d } from '../../src/ops/conv-transpose.js';
import { batchNorm, groupNorm, layerNorm } from '../../src/ops/norm.js';
import { interpolate } from '../../src/ops/upsample.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from '../../src/ops/pool.js';
import { backendsUnderTest, withBackend } from '../backends.js';

const f64 = { dtype: 'float64' as const, requiresGrad: true };

/** [input shape, weight shape, options, bias?]: stride/padding/dilation/groups combinations, odd sizes. */
const convCases: [number[], number[], Conv2dOptions, boolean][] = [
  [[1, 1, 5, 5], [1, 1, 3, 3], {}, true],
  [[2, 3, 7, 6], [4, 3, 3, 2], { stride: 2 }, true],
  [[2, 2, 6, 7], [3, 2, 3, 3], { padding: [2, 1], stride: [1, 3] }, false],
  [[1, 2, 9, 7], [2, 2, 3, 2], { dilation: [2, 3], padding: 1 }, true],
  [[2, 4, 5, 5], [6, 2, 3, 3], { groups: 2, padding: 1, stride: 2 }, true],
  [[1, 3, 5, 4], [3, 1, 2, 2], { groups: 3, dilation: 2, padding: 'same' }, false],
  [[2, 2, 5, 6], [2, 2, 4, 3], { padding: 'same' }, true],
  [[1, 2, 4, 4], [4, 2, 1, 1], { stride: 3 }, true],
  [[1, 1, 3, 3], [2, 1, 5, 5], { padding: 2, stride: 2, dilation: 1 }, true],
  // 1×1, stride 1, no padding: the input is used as its own columns.
  [[2, 4, 3, 5], [6, 2, 1, 1], { groups: 2 }, true],
  [[1, 3, 4, 4], [5, 3, 1, 1], {}, false],
];

const poolCases: [string, (x: Tensor) => Tensor][] = [
  ['maxPool2d k2', (x) => maxPool2d(x, 2)],
  ['maxPool2d k3 s2 p1 ceil', (x) => maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true } as MaxPool2dOptions)],
  ['maxPool2d k[2,3] dilation 2', (x) => maxPool2d(x, [2, 3], { stride: 1, dilation: 2 })],
  ['avgPool2d k3 s2 p1', (x) => avgPool2d(x, 3, { stride: 2, padding: 1 })],
  ['avgPool2d k3 s2 p1 ceil, no pad count', (x) => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false } as AvgPool2dOptions)],
  ['avgPool2d divisor 5', (x) => avgPool2d(x, [2, 1], { divisorOverride: 5 })],
  ['adaptiveAvgPool2d 1', (x) => adaptiveAvgPool2d(x, 1)],
  ['adaptiveAvgPool2d [3, 2] unequal', (x) => adaptiveAvgPool2d(x, [3, 2])],
];

for (const backend of backendsUnderTest() as Backend[]) {
  describe(`conv/pool/norm gradcheck (${backend.name} backend)`, () => {
    const on = (fn: () => void) => () => withBackend(backend, fn);
    for (const [xs, ws, options, hasBias] of convCases) {
      it(`conv2d x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(options)}${hasBias ? ' +bias' : ''}`, on(() => {
        const inputs = [randn(xs, f64), randn(ws, f64), ...(hasBias ? [randn([ws[0]], f64)] : [])];
        gradcheck((x, w, b) => conv2d(x, w, b ?? null, options), inputs);
      }));
    }
    it('conv2d through a non-contiguous input view and an unbatched input', on(() => {
      const x = randn([2, 5, 6, 3], f64);
      const w = randn([2, 3, 2, 2], f64);
      gradcheck((x, w) => conv2d(x.permute(0, 3, 1, 2), w, null, { padding: 1 }), [x, w]);
      gradcheck((x, w) => conv2d(x.select(0, 1).permute(2, 0, 1), w), [x, w]);
    }));
    it('conv1d stride/padding/dilation/groups', on(() => {
      const x = randn([2, 4, 11], f64);
      const w = randn([6, 2, 3], f64);
      const b = randn([6], f64);
      gradcheck((x, w, b) => conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }), [x, w, b]);
    }));
    it('convTranspose2d stride/padding/outputPadding/dilation/groups', on(() => {
      const x = randn([2, 4, 3, 4], f64);
      const w = randn([4, 3, 3, 2], f64);
      const b = randn([6], f64);
      gradcheck((x, w, b) => convTranspose2d(x, w, b, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], dilation: [1, 1], groups: 2 }), [x, w, b]);
      gradcheck((x, w) => convTranspose2d(x, w, null, { dilation: 2, padding: 1 }), [randn([1, 2, 3, 3], f64), randn([2, 1, 3, 3], f64)]);
    }));
    it('interpolate nearest and bilinear (up, down, alignCorners)', on(() => {
      const x = randn([1, 2, 3, 5], f64);
      gradcheck((x) => interpolate(x, { scaleFactor: 2 }), [x]);
      gradcheck((x) => interpolate(x, { size: [2, 7] }), [x]);
      gradcheck((x) => interpolate(x, { size: [5, 3], mode: 'bilinear' }), [x]);
      gradcheck((x) => interpolate(x, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }), [x]);
    }));
    for (const [name, fn] of poolCases) {
      it(name, on(() => {
        // Distinct values keep max pooling away from ties, where the derivative is undefined.
        const x = randn([2, 2, 7, 5], f64);
        gradcheck(fn, [x]);
      }));
    }
    it('batchNorm training (batch statistics) and eval (running statistics)', on(() => {
      const x = randn([4, 3, 3, 2], f64);
      const w = randn([3], f64);
      const b = randn([3], f64);
      gradcheck((x, w, b) => batchNorm(x, null, null, { weight: w, bias: b, training: true }), [x, w, b]);
      const rm = randn([3], { dtype: 'float64' });
      const rv = randn([3], { dtype: 'float64' }).abs().add(0.5);
      gradcheck((x, w, b) => batchNorm(x, rm, rv, { weight: w, bias: b }), [x, w, b]);
      gradcheck((x) => batchNorm(x, null, null, { training: true }), [randn([5, 2], f64)]);
    }));
    it('groupNorm with and without the affine', on(() => {
      gradcheck((x, w, b) => groupNorm(x, 2, { weight: w, bias: b }), [randn([2, 4, 3, 2], f64), randn([4], f64), randn([4], f64)]);
      gradcheck((x) => groupNorm(x, 3), [randn([3, 6, 2], f64)]);
    }));
    it('layerNorm over one and two trailing dims', on(() => {
      gradcheck((x, w, b) => layerNorm(x, [4], { weight: w, bias: b }), [randn([3, 4], f64), randn([4], f64), randn([4], f64)]);
      gradcheck((x) => layerNorm(x, [2, 3]), [randn([2, 2, 3], f64)]);
    }));
  });
}

describe('conv/pool argument errors', () => {
  it('names the expected [N, C, H, W] and the shape that came', () => {
    assert.throws(() => conv2d(randn([2, 5, 8, 8]), randn([4, 3, 3, 3])), /expected input of shape \[N, C, H, W\] with C = 3.*got \[2, 5, 8, 8\]/);
    assert.throws(() => conv2d(randn([8, 8]), randn([4, 3, 3, 3])), /\[N, C, H, W\].*got \[8, 8\]/);
    assert.throws(() => conv2d(randn([1, 3, 2, 2]), randn([4, 3, 3, 3])), /smaller than the dilated kernel 3x3/);
    assert.throws(() => conv2d(randn([1, 4, 5, 5]), randn([3, 2, 3, 3]), null, { groups: 2 }), /outChannels 3 must be divisible by groups 2/);
    assert.throws(() => conv2d(randn([1, 3, 5, 5]), randn([4, 3, 3, 3]), null, { padding: 'same', stride: 2 }), /'same' is not supported for strided/);
    assert.throws(() => conv2d(randn([1, 3, 5, 5]), randn([4, 3, 3, 3]), randn([3])), /bias of shape \[4\], got \[3\]/);
    assert.throws(() => conv2d(tensor([[[[1]]]], { dtype: 'int32' }), randn([1, 1, 1, 1])), /floating point/);
    assert.throws(() => maxPool2d(randn([1, 1, 4, 4]), 2, { padding: 2 }), /at most half/);
    assert.throws(() => avgPool2d(randn([5, 4]), 2), /\[N, C, H, W\].*got \[5, 4\]/);
    assert.throws(() => batchNorm(randn([1, 3]), null, null, { training: true }), /more than 1 value per channel/);
    assert.throws(() => layerNorm(randn([2, 3]), [4]), /expected input of shape \[\*, 4\], got \[2, 3\]/);
    assert.throws(() => groupNorm(randn([2, 6, 3]), 4), /6 channels \(input \[2, 6, 3\]\) cannot be split into 4 groups/);
    assert.throws(() => convTranspose2d(randn([1, 3, 4, 4]), randn([2, 3, 3, 3])), /\[N, C, H, W\] with C = 2.*got \[1, 3, 4, 4\]/);
    assert.throws(() => convTranspose2d(randn([1, 2, 4, 4]), randn([2, 3, 3, 3]), null, { stride: 2, outputPadding: 2 }), /outputPadding 2x2 must be smaller/);
    assert.throws(() => interpolate(randn([1, 1, 4, 4]), { size: 2, scaleFactor: 2 }), /exactly one of size and scaleFactor/);
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
