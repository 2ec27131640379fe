import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectAnomaly, noGrad, ones, randn, tensor, zeros } from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('autograd engine', () => {
  it('accumulates gradients of a value used twice (micrograd case)', () => {
    const a = tensor([-4], { requiresGrad: true });
    const b = tensor([2], { requiresGrad: true });
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c.add(1));
    c = c.add(c.add(1)).add(a.neg());
    d = d.add(d.mul(2)).add(b.add(a).relu());
    d = d.add(d.mul(3)).add(b.sub(a).relu());
    const e = c.sub(d);
    const f = e.pow(2);
    const g = f.div(2).add(tensor([10]).div(f));
    g.backward();
    // Values from micrograd's test_more_ops (computed there with PyTorch).
    assertClose(g, [24.70408163265306], { rtol: 1e-5 });
    assertClose(a.grad!, [138.83381924198252], { rtol: 1e-5 });
    assertClose(b.grad!, [645.5772594752187], { rtol: 1e-5 });
  });

  it('adds to .grad across backward calls', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(2).sum().backward();
    x.mul(2).sum().backward();
    assertClose(x.grad!, [4, 4, 4]);
  });

  it('reduces broadcast gradients back to the operand shape', () => {
    const x = randn([4, 3], { requiresGrad: true });
    const b = zeros([3], { requiresGrad: true });
    x.add(b).sum().backward();
    assert.deepEqual([...b.grad!.shape], [3]);
    assertClose(b.grad!, [4, 4, 4]);
  });

  it('needs a gradient for non-scalar outputs and names the shape', () => {
    const x = randn([2, 3], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(), /scalar outputs.*\[2, 3\]/);
    x.mul(2).backward(ones([2, 3]));
    assertClose(x.grad!, ones([2, 3]).mul(2));
  });

  it('records nothing under noGrad and detaches', () => {
    const x = randn([2], { requiresGrad: true });
    assert.equal(noGrad(() => x.mul(2)).requiresGrad, false);
    assert.equal(x.detach().requiresGrad, false);
    assert.throws(() => x.detach().sum().backward(), /does not require grad/);
  });

  it('refuses in-place ops on leaves that require grad, and detects modified saved tensors', () => {
    const w = randn([3], { requiresGrad: true });
    assert.throws(() => w.add_(1), /leaf tensor that requires grad/);
    const x = randn([3]);
    const y = w.mul(x);
    x.mul_(2);
    assert.throws(() => y.sum().backward(), /modified by an in-place operation/);
  });

  it('names the op that produced NaN under anomaly mode', () => {
    const x = tensor([-1, 2], { requiresGrad: true });
    assert.throws(() => detectAnomaly(() => x.log().sum()), /Anomaly detected: 'log'/);
    const z = tensor([0, 1], { requiresGrad: true });
    assert.throws(() => detectAnomaly(() => z.sqrt().sum().backward()), /backward of 'sqrt'/);
    // A view looks only at its own elements, not the rest of the storage it shares.
    const w = tensor([Number.NaN, 1, 2], { requiresGrad: true });
    assert.doesNotThrow(() => detectAnomaly(() => w.narrow(0, 1, 2).mul(2).sum().backward()));
  });
});

describe('graph lifetime', () => {
  it('frees the graph after backward; a second pass needs retainGraph', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const loss = x.mul(x).sum();
    loss.backward();
    assert.throws(() => loss.backward(), /a second time.*retainGraph/);
    const kept = x.exp().sum();
    kept.backward(undefined, { retainGraph: true });
    kept.backward();
    assertClose(x.grad!, x.detach().mul(2).add(x.detach().exp().mul(2)), { rtol: 1e-6 });
  });

  it('refuses a second pass through a shared, freed trunk instead of dropping its gradient', () => {
    const w = tensor([2], { requiresGrad: true });
    const h = w.mul(3);
    h.mul(2).sum().backward();
    assert.throws(() => h.mul(5).sum().backward(), /backward through 'mul' a second time/);
  });

  it('keeps the freed nodes non-leaf and their names', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = x.tanh();
    y.sum().backward();
    assert.equal(y.isLeaf, false);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.gradFn!.name, 'tanh');
    assert.equal(y.gradFn!.inputs.length, 0);
  });
});
