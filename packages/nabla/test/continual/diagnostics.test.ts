import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PlasticityMonitor,
  deadUnitFraction,
  effectiveRank,
  eye,
  fit,
  manualSeed,
  meanAbsWeight,
  nn,
  noGrad,
  optim,
  randn,
  singularValues,
  stableRank,
  tensor,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('plasticity diagnostics', () => {
  it('singular values, effective rank (Roy & Vetterli) and stable rank', () => {
    const x = tensor([
      [3, 0],
      [0, 4],
      [0, 0],
    ]);
    assertClose(singularValues(x), [4, 3], { atol: 1e-12 });
    const p = [4 / 7, 3 / 7];
    assertClose(effectiveRank(x), Math.exp(-p.reduce((a, v) => a + v * Math.log(v), 0)), { rtol: 1e-12 });
    assertClose(stableRank(x), 25 / 16, { rtol: 1e-12 });
    assertClose(effectiveRank(eye(5)), 5, { rtol: 1e-12 });
    assertClose(
      effectiveRank(
        tensor([[1, 2, 3]])
          .t()
          .matmul(tensor([[1, 1]])),
      ),
      1,
      { rtol: 1e-9 },
    );
    assert.equal(effectiveRank(tensor([[0, 0]])), 0);
    // Wide matrices use the smaller Gram matrix: same values as the transpose.
    manualSeed(1);
    const w = randn([3, 7]);
    assertClose(singularValues(w), singularValues(w.t()), { rtol: 1e-9 });
  });

  it('dead-unit fraction: units never positive on the batch', () => {
    assert.equal(
      deadUnitFraction(
        tensor([
          [0, 1, -2],
          [0, 0, -1],
        ]),
      ),
      2 / 3,
    );
    // Conv features: a channel is dead when no sample and no pixel is positive.
    const f = tensor([[[[0, 0]], [[0, 0.1]]]]); // [1, 2, 1, 2]
    assert.equal(deadUnitFraction(f), 0.5);
  });

  it('mean |weight| per layer', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
    noGrad(() => (net.children()[2] as nn.Linear).weight.copy_(tensor([[-1, 3]])));
    const m = meanAbsWeight(net);
    assert.deepEqual(Object.keys(m), ['0.weight', '2.weight']);
    assert.equal(m['2.weight'], 2);
  });

  it('PlasticityMonitor measures a probe and logs next to the loss in fit', () => {
    manualSeed(2);
    const net = new nn.Sequential(
      new nn.Linear(3, 6),
      new nn.ReLU(),
      new nn.Linear(6, 4),
      new nn.ReLU(),
      new nn.Linear(4, 1),
    );
    const probe = randn([32, 3]);
    const monitor = new PlasticityMonitor(net, { probe, every: 4 });
    const r = monitor.measure();
    assert.equal(r.effectiveRank.length, 2);
    const h1 = noGrad(() => (net.children()[0] as nn.Linear).forward(probe).relu());
    assertClose(r.effectiveRank[0], effectiveRank(h1), { rtol: 1e-12 });
    assert.equal(r.deadFraction[0], deadUnitFraction(h1));
    const x = randn([16, 3]);
    const history = fit(net, [x, x.sum(1, true)], {
      loss: nn.functional.mseLoss,
      optimizer: new optim.SGD(net.parameters(), { lr: 0.01 }),
      epochs: 2,
      batchSize: 4,
      callbacks: [monitor],
    });
    assert.equal(monitor.reports.length, 2); // every 4 steps: 8 steps
    assert.ok(history.keys().includes('effectiveRank1'));
    assert.ok(history.get('meanAbsWeight').every((v) => v > 0));
    assert.throws(() => new PlasticityMonitor(net, { probe, evry: 3 } as never), /unknown option 'evry'/);
  });
});
