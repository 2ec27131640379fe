import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { manualSeed, nn, noGrad, optim, randn, randint, Tensor } from '../../src/index.js';
import { BasicBlock, resnet18, resnet20, resnet8, resnetCifar } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';

interface Fixed {
  shape: number[];
  data: number[];
}
/** Written by scripts/fixtures/gen_conv.py: a strided BasicBlock in PyTorch, one training step and one eval pass. */
interface BlockCase {
  init: Record<string, Fixed>;
  x: Fixed;
  out: Fixed;
  dy: Fixed;
  dx: Fixed;
  grads: Record<string, Fixed>;
  state: Record<string, Fixed>;
  xEval: Fixed;
  outEval: Fixed;
}
const block = (
  JSON.parse(readFileSync(new URL('../fixtures/conv.json', import.meta.url), 'utf8')) as { basicBlock: BlockCase }
).basicBlock;
const fromFixed = (f: Fixed): Tensor => Tensor.fromData(Float64Array.from(f.data), f.shape);

const countParams = (m: nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);

describe('residual models', () => {
  it('BasicBlock: identity shortcut when shapes match, 1x1 projection when they do not', () => {
    const same = new BasicBlock(8, 8);
    assert.equal(same.downsample, null);
    assert.deepEqual(same.forward(randn([2, 8, 7, 7])).shape, [2, 8, 7, 7]);
    const down = new BasicBlock(8, 16, 2);
    assert.deepEqual(
      Object.keys(down.stateDict()).filter((k) => k.startsWith('downsample')),
      [
        'downsample.0.weight',
        'downsample.1.weight',
        'downsample.1.bias',
        'downsample.1.running_mean',
        'downsample.1.running_var',
        'downsample.1.num_batches_tracked',
      ],
    );
    assert.deepEqual(down.forward(randn([2, 8, 7, 7])).shape, [2, 16, 4, 4]);
    // Output is relu(...): never negative.
    assert.ok(Array.from(down.forward(randn([1, 8, 5, 5])).toTypedArray()).every((v) => v >= 0));
  });

  it('BasicBlock matches PyTorch: a training step (output, every gradient, running stats) and eval', () => {
    const m = new BasicBlock(4, 6, 2);
    m.loadStateDict(Object.fromEntries(Object.entries(block.init).map(([k, v]) => [k, fromFixed(v)])));
    // float32 parameters, float64 input: the products run in float64 from float32-rounded weights.
    const tol = { rtol: 1e-5, atol: 1e-6 };
    const x = fromFixed(block.x).requiresGrad_();
    const out = m.forward(x);
    assertClose(out, fromFixed(block.out), { ...tol, message: 'output' });
    out.backward(fromFixed(block.dy));
    assertClose(x.grad!, fromFixed(block.dx), { ...tol, message: 'dx' });
    for (const [k, p] of m.namedParameters())
      assertClose(p.grad!, fromFixed(block.grads[k]), { ...tol, message: `grad ${k}` });
    for (const [k, v] of Object.entries(m.stateDict()))
      assertClose(v, fromFixed(block.state[k]), { ...tol, message: k });
    m.eval();
    assertClose(
      noGrad(() => m.forward(fromFixed(block.xEval))),
      fromFixed(block.outEval),
      { ...tol, message: 'eval output' },
    );
  });

  it("resnet18 has torchvision's parameter count and state-dict keys and runs at any input size", () => {
    manualSeed(0);
    const model = resnet18();
    assert.equal(countParams(model), 11_689_512);
    const keys = Object.keys(model.stateDict());
    assert.equal(keys.length, 122);
    for (const k of [
      'conv1.weight',
      'bn1.running_mean',
      'layer1.0.conv1.weight',
      'layer2.0.downsample.0.weight',
      'layer4.1.bn2.num_batches_tracked',
      'fc.weight',
      'fc.bias',
    ]) {
      assert.ok(keys.includes(k), `missing ${k}`);
    }
    assert.ok(!keys.includes('layer1.0.downsample.0.weight'));
    model.eval();
    noGrad(() => {
      assert.deepEqual(model.forward(randn([1, 3, 32, 32])).shape, [1, 1000]);
      assert.deepEqual(model.forward(randn([1, 3, 45, 37])).shape, [1, 1000]);
    });
  });

  it('CIFAR ResNets: depth 6n+2, 28x28 greyscale input, shape errors name the expected layout', () => {
    const r20 = resnet20({ inChannels: 1 });
    assert.equal(r20.stages.length, 3);
    assert.deepEqual(
      r20.stages.map((s) => s.length),
      [3, 3, 3],
    );
    assert.throws(() => resnetCifar(10), /6n \+ 2/);
    assert.throws(
      () => r20.forward(randn([2, 3, 28, 28])),
      /expected input of shape \[N, 1, H, W\].*got \[2, 3, 28, 28\]/,
    );
    noGrad(() => assert.deepEqual(r20.eval().forward(randn([2, 1, 28, 28])).shape, [2, 10]));
  });

  it('resnet8 fits a small batch (loss falls by half in 12 SGD steps) and eval mode is deterministic', () => {
    manualSeed(42);
    const model = resnet8({ inChannels: 1 });
    const x = randn([8, 1, 8, 8]);
    const y = randint(0, 10, [8], { dtype: 'int32' });
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let i = 0; i < 12; i++) {
      opt.zeroGrad();
      const loss = nn.functional.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    assert.ok(losses[11] < losses[0] / 2, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    model.eval();
    const a = noGrad(() => model.forward(x)).toTypedArray();
    const b = noGrad(() => model.forward(x)).toTypedArray();
    assert.deepEqual(a, b);
  });
});
