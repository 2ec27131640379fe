import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noGrad, ones, tensor, zeros } from '../../src/index.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type OptimizerStateDict } from '../../src/optim/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { optimWasmMin } from '../../src/backend/wasm/optim.js';
import { residentMin } from '../../src/backend/wasm/resident.js';

// The fixture's parameters are tiny; let them reach the WASM kernels on the wasm backend, and
// let the optimizer keep them resident in WASM memory after the first step, as large ones are.
optimWasmMin.sgd = 0;
optimWasmMin.other = 0;
residentMin.floats = 0;
import { assertClose } from '../helpers.js';
import { describeCase, fixture, makeOptimizer, makeParams, trainStep } from './problem.js';

const TOL = { rtol: 1e-5, atol: 1e-6 };

for (const backend of backendsUnderTest()) {
  describe(`optimizers follow PyTorch 1.13 over 10 steps (float32, ${backend.name} backend)`, () => {
    for (const c of fixture.optimizers) {
      it(describeCase(c), () =>
        withBackend(backend, () => {
          const params = makeParams();
          const opt = makeOptimizer(c, params);
          c.trajectory.forEach((expected, step) => {
            const loss = trainStep(opt, params);
            assertClose(loss, c.losses[step], { ...TOL, message: `loss at step ${step + 1}` });
            params.forEach((p, i) =>
              assertClose(p, expected[i], { ...TOL, message: `param ${i} after step ${step + 1}` }),
            );
          });
        }),
      );
    }
  });
}

describe('stateDict / loadStateDict', () => {
  const { resumeAt } = fixture.problem;
  for (const c of fixture.optimizers) {
    it(`resuming after ${resumeAt} steps through JSON equals the uninterrupted run: ${describeCase(c)}`, () => {
      const params = makeParams();
      const opt = makeOptimizer(c, params);
      for (let s = 0; s < resumeAt; s++) trainStep(opt, params);
      const saved: OptimizerStateDict = JSON.parse(JSON.stringify(opt.stateDict({ arrays: true })));
      const fresh = makeParams();
      noGrad(() => fresh.forEach((p, i) => p.copy_(params[i])));
      const resumed = makeOptimizer(c, fresh);
      resumed.loadStateDict(saved);
      for (let s = resumeAt; s < c.trajectory.length; s++) {
        trainStep(resumed, fresh);
        fresh.forEach((p, i) =>
          assertClose(p, c.trajectory[s][i], { ...TOL, message: `param ${i} after step ${s + 1}` }),
        );
      }
    });

    it(`continues from PyTorch's own state dict: ${describeCase(c)}`, () => {
      const params = makeParams();
      noGrad(() => params.forEach((p, i) => p.copy_(tensor(c.trajectory[resumeAt - 1][i]).reshape(p.shape))));
      const opt = makeOptimizer(c, params);
      opt.loadStateDict(c.stateAt5);
      for (let s = resumeAt; s < c.trajectory.length; s++) {
        trainStep(opt, params);
        params.forEach((p, i) =>
          assertClose(p, c.trajectory[s][i], { ...TOL, message: `param ${i} after step ${s + 1}` }),
        );
      }
    });
  }

  it('numbers parameters through the groups and keeps hyper-parameters, like PyTorch', () => {
    const [w, b] = makeParams();
    const opt = new Adam([{ params: [b], lr: 0.1 }, { params: [w] }], { lr: 0.02, amsgrad: true });
    const before = opt.stateDict();
    assert.deepEqual(before.state, {});
    assert.deepEqual(
      before.paramGroups.map((g) => [g.params, g.lr]),
      [
        [[0], 0.1],
        [[1], 0.02],
      ],
    );
    w.grad = zeros([3, 4]).add(1);
    opt.step();
    const sd = opt.stateDict();
    assert.deepEqual(Object.keys(sd.state), ['1']);
    assert.deepEqual(Object.keys(sd.state[1]).sort(), ['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    assert.equal(sd.state[1].step, 1);
  });

  it('refuses a state dict whose groups do not match', () => {
    const [w, b] = makeParams();
    const opt = new SGD([w, b], { lr: 0.1 });
    const other = new SGD([{ params: [w] }, { params: [b] }], { lr: 0.1 });
    assert.throws(() => opt.loadStateDict(other.stateDict()), /2 parameter groups but this optimizer has 1/);
    const sgd = new SGD([w], { lr: 0.1 });
    assert.throws(() => sgd.loadStateDict(new Adam([w]).stateDict()), /lacks hyper-parameter 'momentum'/);
  });
});

describe('Optimizer base', () => {
  it('zeroGrad zeros grads in place by default (PyTorch 1.13), or sets them to null', () => {
    const [w, b] = makeParams();
    const opt = new SGD([w, b], { lr: 0.1 });
    w.grad = zeros([3, 4]).add(2);
    b.grad = zeros([4]).add(3);
    const g = b.grad;
    opt.zeroGrad();
    assert.equal(b.grad, g);
    assert.deepEqual(b.grad.toArray(), [0, 0, 0, 0]);
    opt.zeroGrad(true);
    assert.equal(w.grad, null);
    assert.equal(b.grad, null);
  });

  it('backward accumulates into an existing grad in place, as torch 1.13 does', () => {
    // torch: (w*2).sum().backward(); g = w.grad; (w*3).sum().backward() -> g is w.grad, g == 5;
    // opt.zero_grad() -> w.grad is still g, now zeros; a new backward then writes into it.
    const w = ones([3]).requiresGrad_();
    w.mul(2).sum().backward();
    const g = w.grad!;
    w.mul(3).sum().backward();
    assert.equal(w.grad, g);
    assert.deepEqual(g.toArray(), [5, 5, 5]);
    const opt = new SGD([w], { lr: 0.1 });
    opt.zeroGrad();
    assert.equal(w.grad, g);
    assert.deepEqual(g.toArray(), [0, 0, 0]);
    w.mul(4).sum().backward();
    w.mul(1).sum().backward();
    assert.equal(w.grad, g);
    assert.deepEqual(g.toArray(), [5, 5, 5]);
  });

  it('skips parameters without a gradient and creates their state only when they get one', () => {
    const [w, b] = makeParams();
    const opt = new Adam([w, b], { lr: 0.1 });
    b.grad = zeros([4]).add(1);
    const w0 = w.toArray();
    opt.step();
    assert.deepEqual(w.toArray(), w0);
    assert.equal(opt.state.has(w), false);
    assert.equal(opt.state.has(b), true);
  });

  it('addParamGroup fills defaults and refuses parameters already present', () => {
    const [w, b] = makeParams();
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [b], lr: 0.01 });
    assert.equal(opt.paramGroups[1].lr, 0.01);
    assert.equal(opt.paramGroups[1].momentum, 0.9);
    assert.throws(() => opt.addParamGroup({ params: [w] }), /more than one parameter group/);
  });

  it('step(closure) evaluates the closure with grad enabled and returns its loss', () => {
    const params = makeParams();
    const opt = new SGD(params, { lr: 0.1 });
    const loss = noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = params[0].mul(params[0]).sum();
        l.backward();
        return l.item();
      }),
    );
    assert.equal(typeof loss, 'number');
    assert.ok(params[0].grad);
  });

  it('updates a non-contiguous parameter through its view', () => {
    const base = zeros([4, 3]);
    const p = base.t().detach().requiresGrad_();
    const opt = new SGD([p], { lr: 0.5 });
    p.grad = tensor([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
    opt.step();
    assertClose(p, [
      [-0.5, -1, -1.5, -2],
      [-2.5, -3, -3.5, -4],
      [-4.5, -5, -5.5, -6],
    ]);
  });

  it('updates float64 parameters in float64', () => {
    const p = tensor([1.5, -2], { dtype: 'float64', requiresGrad: true });
    const opt = new Adam([p], { lr: 0.1 });
    p.grad = tensor([0.3, 0.7], { dtype: 'float64' });
    opt.step();
    // One Adam step: m = 0.1g, v = 0.001g², p −= lr/(1−0.9) · m / (√v/√(1−0.999) + eps).
    const expected = [1.5, -2].map((x, i) => {
      const g = [0.3, 0.7][i];
      const m = g * (1 - 0.9);
      const v = (1 - 0.999) * g * g;
      return x + (-(0.1 / (1 - 0.9)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999) + 1e-8);
    });
    assert.notDeepEqual(expected.map(Math.fround), expected); // not representable in float32
    assert.equal(p.dtype, 'float64');
    assertClose(p, expected, { rtol: 1e-15, atol: 0 });
  });

  it('refuses a gradient whose shape differs from its parameter', () => {
    const [w] = makeParams();
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = zeros([4, 3]);
    assert.throws(() => opt.step(), /shape \[3, 4\] has a gradient of shape \[4, 3\]/);
  });

  it('validates options like PyTorch', () => {
    const params = makeParams();
    assert.throws(() => new SGD(params, {} as { lr: number }), /required optimization parameter lr/);
    assert.throws(
      () => new SGD(params, { lr: 0.1, nesterov: true }),
      /Nesterov momentum requires a momentum and zero dampening/,
    );
    assert.throws(() => new SGD(params, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /zero dampening/);
    assert.throws(() => new SGD(params, { lr: -1 }), /invalid learning rate/);
    assert.throws(() => new Adam(params, { betas: [1, 0.999] }), /beta parameter at index 0/);
    assert.throws(() => new AdamW(params, { eps: -1 }), /epsilon/);
    assert.throws(() => new RMSprop(params, { alpha: -0.1 }), /alpha/);
    assert.throws(() => new Adagrad(params, { lrDecay: -1 }), /lrDecay/);
    assert.throws(() => new SGD([], { lr: 0.1 }), /empty parameter list/);
    assert.throws(() => new SGD([params[0], params[0]], { lr: 0.1 }), /more than once/);
    const nonLeaf = params[0].mul(2);
    assert.throws(() => new SGD([nonLeaf], { lr: 0.1 }), /non-leaf/);
  });

  it('has PyTorch defaults', () => {
    const params = makeParams();
    const { params: _a, ...adam } = new Adam(params).paramGroups[0];
    assert.deepEqual(adam, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
    assert.equal(new AdamW(params).paramGroups[0].weightDecay, 1e-2);
    const { params: _r, ...rms } = new RMSprop(params).paramGroups[0];
    assert.deepEqual(rms, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
    });
    const { params: _g, ...ada } = new Adagrad(params).paramGroups[0];
    assert.deepEqual(ada, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
    });
    const { params: _s, ...sgd } = new SGD(params, { lr: 0.1 }).paramGroups[0];
    assert.deepEqual(sgd, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  });
});
