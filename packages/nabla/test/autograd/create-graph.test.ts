/**
 * `createGraph` in grad() and backward() (engine.ts): gradients of gradients to any order,
 * PyTorch's retainGraph default, `.grad` with a graph, gradient buffers never recycled or written
 * in place while recorded (checked with debug recycling on), grad() running only the part of the
 * graph it needs, and errors that say what is wrong.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  grad,
  manualSeed,
  nn,
  OptionError,
  randn,
  StateError,
  setDebugRecycling,
  tensor,
  type Tensor,
} from '../../src/index.js';
import { isDebugRecycling } from '../../src/tensor/dtype.js';
import { assertClose } from '../helpers.js';

describe('createGraph', () => {
  it('differentiates x³ three times', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const [d1] = grad(x.pow(3).sum(), [x], { createGraph: true });
    assertClose(d1!, [3, 12, 27]);
    assert.ok(d1!.requiresGrad);
    const [d2] = grad(d1!.sum(), [x], { createGraph: true });
    assertClose(d2!, [6, 12, 18]);
    const [d3] = grad(d2!.sum(), [x]);
    assertClose(d3!, [6, 6, 6]);
    assert.equal(d3!.requiresGrad, false, 'without createGraph the gradient has no graph');
  });

  it('backward({ createGraph }) leaves a .grad with a graph, and keeps the graph by default (retainGraph)', () => {
    const x = tensor([0.5, -1], { dtype: 'float64', requiresGrad: true });
    const y = x.sin().mul(x).sum();
    y.backward(undefined, { createGraph: true });
    const first = x.grad!;
    assert.ok(first.requiresGrad);
    // d/dx (sin x + x cos x) = 2 cos x − x sin x; the second-order graph runs through y's
    // nodes, so keeping y's graph takes retainGraph here too, as in PyTorch.
    const [h] = grad(first.sum(), [x], { retainGraph: true });
    assertClose(
      h!,
      [0.5, -1].map((v) => 2 * Math.cos(v) - v * Math.sin(v)),
    );
    // The graph of y is still there (createGraph implies retainGraph), and .grad is replaced by
    // a new sum, not added into in place: the first gradient keeps its values.
    const before = Array.from(first.toTypedArray());
    y.backward(undefined, { createGraph: true });
    assert.notEqual(x.grad, first);
    assert.deepEqual(Array.from(first.toTypedArray()), before);
    assertClose(
      x.grad!,
      before.map((v) => 2 * v),
    );
  });

  it('frees the graph when createGraph is given with retainGraph: false', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { createGraph: true, retainGraph: false });
    assert.throws(() => y.backward(), /a second time/);
  });

  it('backward takes its options first when there is no gradient, like loss.backward(create_graph=True)', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    x.pow(3).sum().backward({ createGraph: true });
    assert.ok(x.grad!.requiresGrad);
    assertClose(x.grad!, [3, 12]);
    const y = x.square().sum();
    y.backward(null, { retainGraph: true }); // PyTorch's gradient=None
    assert.throws(
      () => y.backward({ createGraph: true } as never, {}),
      /backward: the first argument must be a gradient Tensor/,
    );
    assert.throws(() => y.backward(3 as never), /the first argument must be a gradient Tensor .*got number/);
  });

  it('differentiates with respect to a gradOutput that requires grad (the double-backward trick)', () => {
    const x = tensor([1, -2, 3], { dtype: 'float64', requiresGrad: true });
    const v = tensor([0.5, 1, 2], { dtype: 'float64', requiresGrad: true });
    const [g] = grad(x.mul(x), [x], { gradOutput: v, createGraph: true }); // 2x·v
    assertClose(g!, [1, -4, 12]);
    const [dv] = grad(g!.sum(), [v]);
    assertClose(dv!, [2, -4, 6]);
  });

  it('says what is wrong when a gradient without a graph is differentiated', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [g] = grad(x.pow(2).sum(), [x]);
    assert.throws(
      () => grad(g!, [x], { gradOutput: tensor([1, 1]) }),
      (e: Error) => e instanceof StateError && /the gradient has no graph.*createGraph: true/.test(e.message),
    );
    assert.throws(() => grad(g!.norm(), [x]), /computed from a gradient.*createGraph: true/);
    assert.throws(() => grad(x.sum(), [g!]), /input 0 .* is a gradient without a graph: pass \{ createGraph: true \}/);
    x.pow(2).sum().backward();
    assert.throws(() => x.grad!.sum().backward(), /computed from a gradient.*createGraph: true/);
  });

  it('refuses unknown option keys, pointing at the camelCase spelling', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    assert.throws(
      () => grad(x.sum(), [x], { create_graph: true } as never),
      (e: Error) =>
        e instanceof OptionError &&
        /unknown option 'create_graph' for grad; did you mean 'createGraph'\?/.test(e.message),
    );
    assert.throws(
      () => x.sum().backward(undefined, { retain_graph: true } as never),
      (e: Error) =>
        e instanceof OptionError &&
        /unknown option 'retain_graph' for backward; did you mean 'retainGraph'\?/.test(e.message),
    );
  });

  it('grad() runs only the nodes between the output and its inputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.exp();
    h.sin().sum().backward(); // frees exp's node
    const [dh] = grad(h.mul(3).sum(), [h]); // needs only mul's node
    assertClose(dh!, [3, 3]);
    assert.throws(() => grad(h.mul(3).sum(), [x]), /input 0 .* not reached: .*freed by an earlier backward\(\)/);
  });

  describe('with debug recycling on', () => {
    const previous = isDebugRecycling();
    afterEach(() => setDebugRecycling(previous));

    /** A Hessian-vector product through layers whose rules mark gradients exclusive (linear, conv, pooling, relu). */
    function hvp(): number[] {
      manualSeed(5);
      const model = new nn.Sequential(
        new nn.Conv2d(1, 2, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(8, 3),
        new nn.Tanh(),
      );
      const params = model.parameters();
      const loss = model
        .forward(randn([2, 1, 4, 4]))
        .pow(2)
        .sum();
      const grads = grad(loss, params, { createGraph: true }) as Tensor[];
      const v = params.map((p) => randn([...p.shape]));
      const dot = grads.map((g, k) => g.mul(v[k]).sum()).reduce((a, b) => a.add(b));
      const out: number[] = [];
      for (let step = 0; step < 2; step++) {
        // Twice, with the graph kept: a recycled gradient would read NaN (poisoned) the second time.
        for (const h of grad(dot, params, { retainGraph: true })) out.push(...Array.from(h!.toTypedArray()));
      }
      return out;
    }

    it('no recorded gradient is recycled or written in place', () => {
      setDebugRecycling(false);
      const reference = hvp();
      setDebugRecycling(true);
      const checked = hvp();
      assert.ok(checked.every(Number.isFinite));
      assertClose(checked, reference, { rtol: 0, atol: 0 });
      assertClose(checked.slice(0, checked.length / 2), checked.slice(checked.length / 2), { rtol: 0, atol: 0 });
    });
  });
});
