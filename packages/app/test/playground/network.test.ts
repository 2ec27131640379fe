/**
 * The playground's network code in Node: for every activation, loss, optimizer and penalty, the
 * chain-rule factors it reads from autograd add up to autograd's dL/dw, which a float64 finite
 * difference confirms; a replayed run gives the same weights.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate, split } from '../../src/playground/data.js';
import { ACTIVATIONS, type NetSettings, Network } from '../../src/playground/network.js';

const base: NetSettings = {
  features: ['x1', 'x2', 'x1x2', 'sinx1'],
  layers: [5, 4],
  activation: 'tanh',
  loss: 'ce',
  optimizer: 'adam',
  lr: 0.05,
  batch: 16,
  l1: 0,
  l2: 0,
  init: 'default',
  seed: 4,
};
const classes = split(generate({ name: 'gauss', count: 120, noise: 0.2, classes: 3, seed: 2 }), 0.5, 2);
const regression = split(generate({ name: 'regression', count: 120, noise: 0.1, classes: 2, seed: 2 }), 0.5, 2);

function checkEdges(net: Network): void {
  for (let k = 0; k < 3; k++) net.step(); // moved off the initial weights (Adam state exists)
  const trace = net.startTrace();
  net.lossStep(trace);
  net.backwardStep(trace);
  for (const [layer, i, j] of [
    [0, 1, 2],
    [1, 3, 0],
    [2, 0, 3],
  ] as const) {
    const d = net.edgeDetail(trace, layer, i, j, 1);
    const scale = Math.max(1e-3, Math.abs(d.autograd));
    assert.ok(
      Math.abs(d.batchSum + d.penaltyGrad - d.autograd) <= 1e-5 * scale + 1e-7,
      `chain rule ${JSON.stringify(d)}`,
    );
    assert.ok(
      Math.abs(d.finiteDifference - d.autograd) <= 2e-4 * scale + 2e-6,
      `finite difference ${JSON.stringify(d)}`,
    );
    assert.ok(Math.abs(d.product - d.upstream * d.local * d.input) <= 1e-12);
  }
}

describe('playground network: chain rule and finite differences agree with autograd', () => {
  for (const activation of ACTIVATIONS) {
    it(`${activation}, cross-entropy, Adam, L1 + L2`, () => {
      checkEdges(new Network({ ...base, activation, l1: 0.001, l2: 0.01 }, classes));
    });
  }
  it('MSE on one-hot classes, SGD with momentum, Xavier init', () => {
    checkEdges(new Network({ ...base, loss: 'mse', optimizer: 'momentum', init: 'xavier' }, classes));
  });
  it('a regression target (MSE), He init', () => {
    checkEdges(new Network({ ...base, loss: 'mse', activation: 'relu', init: 'he' }, regression));
  });
  it('refuses cross-entropy on a regression target', () => {
    assert.throws(() => new Network(base, regression), /cross-entropy needs classes/);
  });
});

describe('playground network: runs', () => {
  it('replaying the same settings gives the same weights', () => {
    const a = new Network(base, classes);
    const b = new Network(base, classes);
    for (let k = 0; k < 25; k++) a.step();
    for (let k = 0; k < 25; k++) b.step();
    assert.deepEqual(a.snapshot(), b.snapshot());
  });
  it('zeros init keeps the hidden units of a layer identical (why zeros fails)', () => {
    const net = new Network({ ...base, init: 'zeros', optimizer: 'sgd', lr: 0.5 }, classes);
    for (let k = 0; k < 20; k++) net.step();
    const w = net.snapshot()[0].w;
    const rows = Array.from({ length: 5 }, (_, i) => Array.from(w.slice(i * 4, i * 4 + 4)));
    for (const r of rows) assert.deepEqual(r, rows[0]);
  });
  it('after the update, the finite difference is still taken at the weights the gradient belongs to', () => {
    const net = new Network(base, classes);
    const trace = net.startTrace();
    net.lossStep(trace);
    net.backwardStep(trace);
    net.updateStep(trace);
    const d = net.edgeDetail(trace, 1, 2, 1, 0);
    assert.ok(Math.abs(d.finiteDifference - d.autograd) < 1e-5, JSON.stringify(d));
    // And a unit's forward numbers are those of the pass: Σ w·a + b = z, with the weights before the update.
    const u = net.unitDetail(trace, 0, 3, 2);
    assert.ok(Math.abs(u.weightedSum + u.bias - u.z) < 1e-6, JSON.stringify(u));
    const sum = u.terms.reduce((acc, t) => acc + t.w * t.a, 0);
    assert.ok(Math.abs(sum - u.weightedSum) < 1e-6);
  });
  it('Adam state per weight is visible after a step', () => {
    const net = new Network(base, classes);
    net.step();
    const st = net.optimizerState(0, 0, 0);
    assert.equal(st.step, 1);
    assert.ok(Number.isFinite(st.expAvg) && Number.isFinite(st.expAvgSq));
  });
  it('flags ReLU units no train point activates', () => {
    const net = new Network({ ...base, activation: 'relu' }, classes);
    const bias = net.linears[0].bias!;
    bias.detach().fill_(-100); // every unit of layer 1 off everywhere
    assert.deepEqual(net.deadUnits()[0], [true, true, true, true, true]);
  });
});
