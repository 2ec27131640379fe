import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { exclusiveGrad, record } from '../../src/autograd/graph.js';
import { manualSeed, nn, optim, randn, reshape, setDebugRecycling, tensor, type Tensor } from '../../src/index.js';
import { isDebugRecycling, isRecycled } from '../../src/tensor/dtype.js';

/** `2x`, whose backward rule keeps a view of the gradient it marks exclusive (broken on purpose). */
function leakyDouble(x: Tensor, kept: Tensor[]): Tensor {
  return record(x.detach().mul(2), 'leakyDouble', [x], (dy) => {
    const dx = exclusiveGrad(dy.mul(2));
    kept.push(reshape(dx, [-1])); // breaks the contract: a view outlives the exclusive buffer
    return [dx];
  });
}

/** `xᵀ` of a square matrix, whose rule marks a view of its incoming gradient exclusive (broken on purpose). */
function aliasingTranspose(x: Tensor): Tensor {
  return record(x.detach().t().contiguous(), 'aliasingTranspose', [x], (dy) => [exclusiveGrad(dy.t())]);
}

describe('debug recycling', () => {
  const previous = isDebugRecycling();
  beforeEach(() => setDebugRecycling(true));
  afterEach(() => setDebugRecycling(previous));

  it('poisons the buffer of a dead exclusive gradient, and an op that reads a kept view of it throws', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const kept: Tensor[] = [];
    leakyDouble(x, kept).sum().backward(); // x.grad takes the exclusive gradient as it is
    leakyDouble(x, kept).sum().backward(); // added into x.grad, then handed back: dead
    assert.deepEqual(x.grad!.toArray(), [4, 4, 4]);
    assert.ok(isRecycled(kept[1].storage.data));
    assert.ok(
      Array.from(kept[1].storage.data).every((v) => Number.isNaN(v)),
      "the kept view reads NaN, not a later owner's numbers",
    );
    assert.throws(() => kept[1].add(1), /'add' read a tensor of shape \[3\] whose memory backward already handed back/);
    assert.doesNotThrow(() => kept[0].add(1)); // the first gradient lives on as x.grad
  });

  it('without it the same broken rule goes unnoticed', () => {
    setDebugRecycling(false);
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const kept: Tensor[] = [];
    leakyDouble(x, kept).sum().backward();
    leakyDouble(x, kept).sum().backward();
    assert.ok(!isRecycled(kept[1].storage.data));
    assert.deepEqual(kept[1].add(1).toArray(), [3, 3, 3]);
  });

  it('throws when a rule marks a view of its incoming gradient exclusive', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    assert.throws(
      () =>
        aliasingTranspose(x).backward(
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ),
      /'aliasingTranspose' marked the gradient for input 0 exclusive \(exclusiveGrad\) but it shares memory with the incoming gradient/,
    );
  });

  it('an exclusive gradient passed on to two inputs is copied into each leaf, not shared', () => {
    // As with relu's fused rule (wasm/native) under add: an exclusive gradient, then a rule that passes it to both inputs.
    const a = tensor([1, -2, 3], { requiresGrad: true });
    const b = tensor([1, 1, 1], { requiresGrad: true });
    const passOn = (x: Tensor, y: Tensor): Tensor =>
      record(x.detach().add(y.detach()), 'passOn', [x, y], (dy) => [dy, dy]);
    const doubled = (x: Tensor): Tensor => record(x.detach().mul(2), 'fresh', [x], (dy) => [exclusiveGrad(dy.mul(2))]);
    doubled(passOn(a, b)).sum().backward();
    assert.notEqual(a.grad!.storage, b.grad!.storage);
    a.grad!.zero_();
    assert.deepEqual(b.grad!.toArray(), [2, 2, 2]);
  });

  it('leaves correct rules alone: an MLP trains to the same numbers with and without it', () => {
    // Sizes above the recycling threshold (4096 floats), so without debug mode buffers are reused.
    const run = (debug: boolean): number[] => {
      setDebugRecycling(debug);
      manualSeed(7);
      const model = new nn.Sequential(
        new nn.Linear(96, 80),
        new nn.ReLU(),
        new nn.Linear(80, 70),
        new nn.ReLU(),
        new nn.Linear(70, 4),
      );
      const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
      const x = randn([64, 96]);
      const losses: number[] = [];
      for (let step = 0; step < 4; step++) {
        opt.zeroGrad();
        const loss = model.forward(x).square().mean();
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      return losses;
    };
    const plain = run(false);
    assert.ok(plain.every(Number.isFinite));
    assert.deepEqual(run(true), plain);
  });
});
