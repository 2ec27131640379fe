import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { manualSeed, nn, noGrad, ones, randn, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

interface Fixed {
  shape: number[];
  data: number[];
}
interface BatchNormStep {
  mode: 'train' | 'eval';
  x: Fixed;
  out: Fixed;
  dy: Fixed;
  grads: Record<string, Fixed>;
  state: Record<string, Fixed>;
}
interface BatchNormCase {
  name: string;
  layer: 'BatchNorm1d' | 'BatchNorm2d';
  numFeatures: number;
  options: { momentum?: number | null; affine?: boolean; track_running_stats?: boolean; eps?: number };
  init: Record<string, Fixed>;
  steps: BatchNormStep[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/conv.json', import.meta.url), 'utf8')) as {
  batchnorm: BatchNormCase[];
};
const fromFixed = (f: Fixed): Tensor => Tensor.fromData(Float64Array.from(f.data), f.shape);

describe('BatchNorm1d/2d vs PyTorch (two training steps, then eval)', () => {
  for (const c of fixture.batchnorm) {
    it(c.name, () => {
      const Layer = c.layer === 'BatchNorm1d' ? nn.BatchNorm1d : nn.BatchNorm2d;
      const o = c.options;
      const bn = new Layer(c.numFeatures, {
        momentum: o.momentum,
        affine: o.affine,
        trackRunningStats: o.track_running_stats,
        eps: o.eps,
      });
      assert.deepEqual(Object.keys(bn.stateDict()).sort(), Object.keys(c.init).sort());
      bn.loadStateDict(Object.fromEntries(Object.entries(c.init).map(([k, v]) => [k, fromFixed(v)])));
      c.steps.forEach((step, i) => {
        const at = `${c.name} step ${i} (${step.mode})`;
        bn.train(step.mode === 'train');
        bn.zeroGrad();
        const x = fromFixed(step.x).requiresGrad_();
        const out = bn.forward(x);
        // Parameters and buffers are float32; the input stays float64.
        const tol = { rtol: 1e-5, atol: 1e-6 };
        assertClose(out, fromFixed(step.out), { ...tol, message: `${at} output` });
        out.backward(fromFixed(step.dy));
        assertClose(x.grad!, fromFixed(step.grads.x), { ...tol, message: `${at} dx` });
        if (bn.weight) assertClose(bn.weight.grad!, fromFixed(step.grads.weight), { ...tol, message: `${at} dweight` });
        if (bn.bias) assertClose(bn.bias.grad!, fromFixed(step.grads.bias), { ...tol, message: `${at} dbias` });
        for (const [k, v] of Object.entries(bn.stateDict())) {
          assertClose(v, fromFixed(step.state[k]), { ...tol, message: `${at} ${k}` });
        }
      });
    });
  }
});

describe('conv and normalisation layers', () => {
  it('Conv2d: PyTorch init bounds, state dict keys, output shape', () => {
    manualSeed(1);
    const conv = new nn.Conv2d(6, 8, [3, 5], { stride: 2, padding: [1, 2], groups: 2 });
    assert.deepEqual(Object.keys(conv.stateDict()), ['weight', 'bias']);
    assert.deepEqual(conv.weight.shape, [8, 3, 3, 5]);
    const bound = 1 / Math.sqrt(3 * 3 * 5); // kaiming-uniform(a=√5) = U(±1/√fanIn)
    const w = Array.from(conv.weight.toTypedArray());
    assert.ok(w.every((v) => Math.abs(v) <= bound) && Math.max(...w.map(Math.abs)) > 0.9 * bound);
    assert.ok(Array.from(conv.bias!.toTypedArray()).every((v) => Math.abs(v) <= bound));
    assert.deepEqual(conv.forward(randn([2, 6, 9, 10])).shape, [2, 8, 5, 5]);
    assert.equal(String(conv), 'Conv2d(6, 8, kernelSize=[3, 5], stride=[2, 2], padding=[1, 2], groups=2)');
    assert.deepEqual(Object.keys(new nn.Conv2d(1, 2, 3, { bias: false }).stateDict()), ['weight']);
  });

  it('Conv2d/Conv1d name the expected input shape and what came', () => {
    const conv = new nn.Conv2d(3, 16, 3);
    assert.throws(() => conv.forward(randn([2, 5, 32, 32])), {
      message: 'Conv2d(3, 16): expected input of shape [N, 3, H, W] (or unbatched [3, H, W]), got [2, 5, 32, 32]',
    });
    assert.throws(() => conv.forward(randn([32, 32])), /expected input of shape \[N, 3, H, W\].*got \[32, 32\]/);
    assert.throws(
      () => new nn.Conv1d(2, 4, 3).forward(randn([4, 3, 10])),
      /Conv1d\(2, 4\): expected input of shape \[N, 2, L\].*got \[4, 3, 10\]/,
    );
    assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /inChannels \(3\) must be divisible by groups \(2\)/);
    assert.throws(
      () => new nn.BatchNorm2d(4).forward(randn([2, 4, 5])),
      /BatchNorm2d\(4\): expected input of shape \[N, 4, H, W\], got \[2, 4, 5\]/,
    );
  });

  it('Conv1d keeps length with padding same and matches conv2d over a unit height', () => {
    const conv = new nn.Conv1d(2, 3, 4, { padding: 'same', dilation: 2 });
    const x = randn([2, 2, 13]);
    const y = conv.forward(x);
    assert.deepEqual(y.shape, [2, 3, 13]);
    const y2 = nn.functional
      .conv2d(x.unsqueeze(2), conv.weight.unsqueeze(2), conv.bias, { padding: 'same', dilation: [1, 2] })
      .squeeze(2);
    assertClose(y, y2);
  });

  it('BatchNorm: buffers under PyTorch key names; eval leaves them alone', () => {
    const bn = new nn.BatchNorm2d(3);
    assert.deepEqual(Object.keys(bn.stateDict()), [
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    assert.equal(bn.numBatchesTracked!.dtype, 'int32');
    bn.forward(randn([4, 3, 2, 2]).mul(3).add(2));
    assert.equal(bn.numBatchesTracked!.item(), 1);
    const before = bn.runningMean!.toArray();
    bn.eval();
    bn.forward(randn([1, 3, 2, 2]));
    assert.deepEqual(bn.runningMean!.toArray(), before);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assert.equal(bn.parameters().length, 2);
    const plain = new nn.BatchNorm1d(5, { affine: false, trackRunningStats: false });
    assert.deepEqual(Object.keys(plain.stateDict()), []);
    // Without running statistics, eval mode still normalises with the batch's own.
    const y = plain.eval().forward(randn([6, 5]).mul(4).add(1));
    assertClose(y.mean(0), new Array(5).fill(0), { atol: 1e-5 });
  });

  it('LayerNorm: parameters of the normalized shape, zero mean and unit variance', () => {
    const ln = new nn.LayerNorm([2, 3]);
    assert.deepEqual(Object.keys(ln.stateDict()), ['weight', 'bias']);
    assert.deepEqual(ln.weight!.shape, [2, 3]);
    const y = ln.forward(randn([4, 2, 3]).mul(5).add(3));
    assertClose(y.mean([1, 2]), [0, 0, 0, 0], { atol: 1e-5 });
    assertClose(y.var([1, 2], { correction: 0 }), [1, 1, 1, 1], { rtol: 1e-3 });
  });

  it('GroupNorm: per-channel affine, per-(sample, group) statistics, same in train and eval', () => {
    const gn = new nn.GroupNorm(2, 4);
    assert.deepEqual(Object.keys(gn.stateDict()), ['weight', 'bias']);
    const x = randn([3, 4, 5]).mul(3).add(2);
    const y = gn.forward(x);
    const groups = y.reshape(3, 2, 10);
    assertClose(groups.mean(2), new Array(6).fill(0), { atol: 1e-5 });
    assertClose(groups.var(2, { correction: 0 }), new Array(6).fill(1), { rtol: 1e-3 });
    assertClose(gn.eval().forward(x), y);
    assert.throws(() => new nn.GroupNorm(3, 4), /numChannels \(4\) must be divisible by numGroups \(3\)/);
    assert.throws(
      () => gn.forward(randn([2, 3, 5])),
      /GroupNorm\(2, 4\): expected input of shape \[N, 4, \*\], got \[2, 3, 5\]/,
    );
  });

  it('Dropout2d zeroes whole channels, scales the rest, and is the identity in eval', () => {
    manualSeed(3);
    const drop = new nn.Dropout2d(0.5);
    const y = drop.forward(ones([4, 8, 3, 3]));
    const perChannel = y.sum([2, 3]).toTypedArray();
    assert.ok(Array.from(perChannel).every((v) => v === 0 || v === 18));
    const kept = Array.from(perChannel).filter((v) => v !== 0).length;
    assert.ok(kept > 4 && kept < 28, `kept ${kept} of 32 channels`);
    const x = randn([2, 3, 4, 4]);
    assert.equal(drop.eval().forward(x), x);
    assert.throws(() => new nn.Dropout2d(1.5), /between 0 and 1/);
  });

  it('ConvTranspose2d inverts the shape change of the matching Conv2d; Upsample', () => {
    const down = new nn.Conv2d(3, 8, 4, { stride: 2, padding: 1 });
    const up = new nn.ConvTranspose2d(8, 3, 4, { stride: 2, padding: 1 });
    assert.deepEqual(up.weight.shape, [8, 3, 4, 4]);
    // PyTorch computes fan-in from weight.shape[1] = out / groups for transposed convs too.
    const bound = 1 / Math.sqrt(3 * 16);
    assert.ok(Array.from(up.weight.toTypedArray()).every((v) => Math.abs(v) <= bound));
    const x = randn([2, 3, 14, 10]);
    assert.deepEqual(up.forward(down.forward(x)).shape, [2, 3, 14, 10]);
    assert.equal(String(up), 'ConvTranspose2d(8, 3, kernelSize=[4, 4], stride=[2, 2], padding=[1, 1])');
    assert.throws(
      () => up.forward(randn([2, 3, 7, 5])),
      /ConvTranspose2d\(8, 3\): expected input of shape \[N, 8, H, W\].*got \[2, 3, 7, 5\]/,
    );
    const x2 = randn([1, 2, 3, 3]);
    const y = new nn.Upsample({ scaleFactor: 2 }).forward(x2);
    assert.deepEqual(y.shape, [1, 2, 6, 6]);
    assertClose(
      y.narrow(2, 2, 1).narrow(3, 4, 2).flatten(),
      x2.narrow(2, 1, 1).narrow(3, 2, 1).expand(1, 2, 1, 2).flatten(),
    );
  });

  it('pooling layers', () => {
    const x = randn([2, 3, 9, 8]);
    assert.deepEqual(new nn.MaxPool2d(3, { stride: 2, ceilMode: true }).forward(x).shape, [2, 3, 4, 4]);
    assert.deepEqual(new nn.AvgPool2d(2).forward(x).shape, [2, 3, 4, 4]);
    const gap = new nn.AdaptiveAvgPool2d(1).forward(x);
    assertClose(gap.flatten(1), x.mean([2, 3]), { atol: 1e-6 });
    assert.deepEqual(new nn.MaxPool1d(2).forward(randn([2, 3, 9])).shape, [2, 3, 4]);
    noGrad(() => assert.deepEqual(new nn.AvgPool1d(3, { stride: 1 }).forward(randn([3, 9])).shape, [3, 7]));
  });
});
