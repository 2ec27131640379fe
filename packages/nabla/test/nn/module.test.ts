/** Module.to(dtype) / double() / float() and Tensor's `data` setter, as PyTorch's module.to and `p.data = t`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, manualSeed, nn, optim, randn, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('Module.to(dtype)', () => {
  it('converts parameters, float buffers and gradients in place, keeping every object', () => {
    manualSeed(1);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 2, 3),
      new nn.BatchNorm2d(2),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(2 * 4 * 4, 3),
    );
    const params = model.parameters();
    const before = params.map((p) => p.toArray());
    model
      .forward(randn([2, 1, 6, 6]))
      .sum()
      .backward();
    const grads = params.map((p) => p.grad!.toArray());
    assert.equal(model.double(), model);
    assert.deepEqual(model.parameters(), params);
    for (const [i, p] of params.entries()) {
      assert.equal(p.dtype, 'float64');
      assert.equal(p.requiresGrad, true);
      assertClose(p, tensor(before[i] as number[]), { rtol: 1e-7, atol: 0 });
      assert.equal(p.grad!.dtype, 'float64');
      assertClose(p.grad!, tensor(grads[i] as number[]), { rtol: 1e-7, atol: 0 });
    }
    const bn = model.at(1) as nn.BatchNorm2d;
    for (const [name, b] of bn.namedBuffers())
      assert.equal(b.dtype, name === 'num_batches_tracked' ? 'int32' : 'float64', name);
    assert.equal(model.forward(randn([2, 1, 6, 6], { dtype: 'float64' })).dtype, 'float64');
    model.float();
    assert.ok(model.parameters().every((p) => p.dtype === 'float32'));
  });

  it('makes a float64 model that gradcheck can check and an optimizer can train', () => {
    manualSeed(2);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1)).double();
    const x = randn([5, 3], { dtype: 'float64' });
    assert.equal(
      gradcheck((w) => model.forward(x.matmul(w)).sum(), [randn([3, 3], { dtype: 'float64', requiresGrad: true })]),
      true,
    );
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loss = () => model.forward(x).pow(2).mean();
    const start = loss().item();
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      loss().backward();
      opt.step();
    }
    assert.ok(loss().item() < start);
    assert.ok(model.parameters().every((p) => p.dtype === 'float64' && p.grad!.dtype === 'float64'));
  });

  it('refuses integer dtypes, as PyTorch does', () => {
    assert.throws(() => new nn.Linear(2, 2).to('int32'), /only floating point dtypes/);
  });
});

describe('Tensor data setter', () => {
  it('repoints a leaf at new data without changing the object', () => {
    const p = tensor([1, 2, 3], { requiresGrad: true });
    const q = p;
    p.data = tensor(
      [
        [4, 5],
        [6, 7],
      ],
      { dtype: 'float64' },
    );
    assert.equal(q, p);
    assert.equal(p.dtype, 'float64');
    assert.deepEqual(p.shape, [2, 2]);
    assert.deepEqual(p.toArray(), [
      [4, 5],
      [6, 7],
    ]);
    assert.equal(p.requiresGrad, true);
  });

  it('refuses non-leaf tensors and integer data for a tensor that requires grad', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const y = p.mul(2);
    assert.throws(() => {
      y.data = tensor([1, 2]);
    }, /only a leaf tensor/);
    assert.throws(() => {
      p.data = tensor([1, 2], { dtype: 'int32' });
    }, /needs floating point data/);
  });
});
