import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContinualBackprop, manualSeed, nn, noGrad, optim, randn, tensor, type Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function net(): nn.Sequential {
  manualSeed(11);
  return new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
}

const flat = (ps: Tensor[]) => ps.flatMap((p) => Array.from(p.toTypedArray()));

describe('baselines', () => {
  it('l2 shrinks every parameter by 1 − lr·λ after the step', () => {
    const m = net();
    const cbp = new ContinualBackprop(m, new optim.SGD(m.parameters(), { lr: 0.1 }), { replacementRate: 0, l2: 0.5 });
    const before = flat(m.parameters());
    m.forward(randn([2, 4]));
    cbp.step();
    assertClose(
      flat(m.parameters()),
      before.map((v) => v * (1 - 0.1 * 0.5)),
      { rtol: 1e-6 },
    );
  });

  it('l2Init pulls toward the initial weights: θ − lr·λ·(θ − θ₀)', () => {
    const m = net();
    const theta0 = flat(m.parameters());
    const cbp = new ContinualBackprop(m, null, { replacementRate: 0, l2Init: 2, lr: 0.1 });
    noGrad(() => {
      for (const p of m.parameters()) p.add_(1);
    });
    m.forward(randn([2, 4]));
    cbp.step();
    // θ = θ₀ + 1 → θ₀ + 1 − 0.2·1
    assertClose(
      flat(m.parameters()),
      theta0.map((v) => v + 0.8),
      { rtol: 1e-5, atol: 1e-6 },
    );
  });

  it('Shrink & Perturb: decay plus Gaussian noise of the given σ, seeded', () => {
    const run = (seed: number) => {
      const m = net();
      const cbp = new ContinualBackprop(m, null, {
        replacementRate: 0,
        shrinkPerturb: { weightDecay: 0.1, noise: 0.01 },
        lr: 0.5,
        seed,
      });
      const before = flat(m.parameters());
      m.forward(randn([2, 4]));
      cbp.step();
      return flat(m.parameters()).map((v, i) => v - before[i] * (1 - 0.05));
    };
    const noise = run(1);
    const std = Math.sqrt(noise.reduce((a, v) => a + v * v, 0) / noise.length);
    assert.ok(Math.abs(std - 0.01) < 0.002, `noise std ${std}`);
    assert.deepEqual(run(1), noise);
    assert.notDeepEqual(run(2), noise);
  });

  it('ReDo reinitialises the dormant units every F steps and leaves the others', () => {
    const m = net();
    const [l1, , l2] = m.children() as [nn.Linear, nn.Module, nn.Linear];
    noGrad(() => {
      l1.bias!.copy_(tensor(Array.from({ length: 16 }, (_, u) => (u === 3 || u === 7 ? -100 : 1))));
    });
    const cbp = new ContinualBackprop(m, null, { replacementRate: 0, redo: { every: 3, threshold: 0.1 } });
    const w0 = l1.weight.toArray() as number[][];
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      m.forward(randn([8, 4]));
      counts.push(cbp.step()[0]);
    }
    assert.deepEqual(counts, [0, 0, 2]);
    const w1 = l1.weight.toArray() as number[][];
    const b1 = l1.bias!.toArray() as number[];
    w1.forEach((row, u) => {
      if (u === 3 || u === 7) {
        assert.notDeepEqual(row, w0[u]);
        assert.equal(b1[u], 0);
        assert.deepEqual(
          (l2.weight.toArray() as number[][]).map((r) => r[u]),
          [0, 0, 0],
        );
      } else assert.deepEqual(row, w0[u]);
    });
  });
});
