import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContinualBackprop,
  Generator,
  OptionError,
  Tensor,
  fit,
  manualSeed,
  nn,
  noGrad,
  optim,
  randn,
  tensor,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

/** 3-4-2 ReLU net with fixed weights (so a hand computation knows them). */
function smallNet(): nn.Sequential {
  const net = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const [l1, , l2] = net.children() as [nn.Linear, nn.Module, nn.Linear];
  noGrad(() => {
    l1.weight.copy_(
      tensor([
        [0.1, -0.2, 0.3],
        [0.5, 0.4, -0.1],
        [-0.3, 0.2, 0.2],
        [0.05, -0.6, 0.4],
      ]),
    );
    l1.bias!.copy_(tensor([0.1, -0.1, 0.2, 0.0]));
    l2.weight.copy_(
      tensor([
        [0.3, -0.1, 0.8, 0.2],
        [-0.4, 0.2, 0.1, -0.5],
      ]),
    );
    l2.bias!.copy_(tensor([0.05, -0.05]));
  });
  return net;
}

const meanAbs = (xs: number[]) => xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;
const col = (m: number[][], j: number) => m.map((r) => r[j]);

describe('ContinualBackprop utility', () => {
  const h1 = [
    [0.5, 0, 1.0, 0.2],
    [0.1, 0.3, 0, 0.4],
  ];
  const h2 = [
    [0.2, 0.1, 0.6, 0],
    [0.8, 0, 0.2, 0.1],
  ];
  const eta = 0.9;

  it('contribution: bias-corrected running mean of mean|w_out|·mean|h|', () => {
    const net = smallNet();
    const cbp = new ContinualBackprop(net, null, { decayRate: eta, replacementRate: 0.5, maturityThreshold: 10 });
    const wOut = (net.children()[2] as nn.Linear).weight.toArray() as number[][];
    const y = (h: number[][], u: number) => meanAbs(col(wOut, u)) * meanAbs(col(h, u));
    cbp.step([tensor(h1)]);
    assertClose(
      cbp.utilities(0),
      [0, 1, 2, 3].map((u) => y(h1, u)),
      { rtol: 1e-5 },
    );
    cbp.step([tensor(h2)]);
    const want = [0, 1, 2, 3].map((u) => (eta * (1 - eta) * y(h1, u) + (1 - eta) * y(h2, u)) / (1 - eta ** 2));
    assertClose(cbp.utilities(0), want, { rtol: 1e-5 });
    assert.deepEqual(cbp.ages(0), [2, 2, 2, 2]);
  });

  it('adaptableContribution: mean|w_out|·mean|h − f̂| / mean|w_in|, f̂ the bias-corrected mean activation', () => {
    const net = smallNet();
    const cbp = new ContinualBackprop(net, null, {
      decayRate: eta,
      utility: 'adaptableContribution',
      maturityThreshold: 10,
    });
    const wIn = (net.children()[0] as nn.Linear).weight.toArray() as number[][];
    const wOut = (net.children()[2] as nn.Linear).weight.toArray() as number[][];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    cbp.step([tensor(h1)]);
    cbp.step([tensor(h2)]);
    const want = [0, 1, 2, 3].map((u) => {
      const m1 = mean(col(h1, u));
      const m2 = mean(col(h2, u));
      const f1 = m1; // (1 − η)·m1 / (1 − η)
      const f2 = (eta * (1 - eta) * m1 + (1 - eta) * m2) / (1 - eta ** 2);
      const y = (h: number[][], f: number) =>
        (meanAbs(col(wOut, u)) * meanAbs(col(h, u).map((v) => v - f))) / meanAbs(wIn[u]);
      return (eta * (1 - eta) * y(h1, f1) + (1 - eta) * y(h2, f2)) / (1 - eta ** 2);
    });
    assertClose(cbp.utilities(0), want, { rtol: 1e-5 });
    assertClose(
      cbp.meanActivations(0),
      [0, 1, 2, 3].map((u) => (eta * (1 - eta) * mean(col(h1, u)) + (1 - eta) * mean(col(h2, u))) / (1 - eta ** 2)),
      { rtol: 1e-5 },
    );
  });
});

describe('ContinualBackprop replacement', () => {
  it('replaces the lowest-utility mature units, only once they are mature', () => {
    const net = smallNet();
    // ρ·4 eligible = 1 unit per step; unit 1 has the smallest |h|, unit 3 the next.
    const cbp = new ContinualBackprop(net, null, { replacementRate: 0.25, maturityThreshold: 2, decayRate: 0.5 });
    const w0 = (net.children()[0] as nn.Linear).weight.toArray() as number[][];
    const h = tensor([
      [0.5, 0.01, 1.0, 0.2],
      [0.4, 0.02, 0.9, 0.3],
    ]);
    assert.deepEqual(cbp.step([h]), [0]);
    assert.deepEqual(cbp.step([h]), [0]);
    assert.deepEqual(cbp.step([h]), [1]); // age 3 > 2: eligible now
    assert.deepEqual(cbp.ages(0), [3, 0, 3, 3]);
    const w1 = (net.children()[0] as nn.Linear).weight.toArray() as number[][];
    for (const u of [0, 2, 3]) assert.deepEqual(w1[u], w0[u], `row ${u} untouched`);
    assert.notDeepEqual(w1[1], w0[1]);
    const bound = Math.SQRT2 * Math.sqrt(3 / 3); // ReLU gain · √(3/fanIn)
    for (const v of w1[1]) assert.ok(Math.abs(v) <= bound, `${v} within ±${bound}`);
    // Unit 1 is young again: 3 eligible, ρ·3 = 0.75 carried; the next step reaches 1.5 and takes
    // unit 3 (utility mean|w_out|·mean|h|: 0.35·0.25 below unit 0's 0.35·0.45 and unit 2's 0.45·0.95).
    assert.deepEqual(cbp.step([h]), [0]);
    assert.deepEqual(cbp.step([h]), [1]);
    assert.deepEqual(cbp.ages(0), [5, 2, 5, 0]);
  });

  it('keeps the output: the next bias absorbs w_out·f̂, outgoing weights and the bias become zero', () => {
    manualSeed(3);
    const net = smallNet();
    // Statistics are kept while generate-and-test runs (ρ > 0); no unit matures in this test.
    const cbp = new ContinualBackprop(net, null, { replacementRate: 0.5, maturityThreshold: 1000, decayRate: 0.9 });
    const x = randn([5, 3]);
    for (let i = 0; i < 4; i++) {
      net.forward(randn([6, 3]));
      cbp.step();
    }
    const [l1, , l2] = net.children() as [nn.Linear, nn.Module, nn.Linear];
    const fHats = cbp.meanActivations(0);
    const u = fHats.indexOf(Math.max(...fHats)); // a unit that is active (a dead one has f̂ = 0)
    const before = noGrad(() => net.forward(x));
    const hU = noGrad(() => l1.forward(x).relu()).toArray() as number[][];
    const wOut = l2.weight.toArray() as number[][];
    const fHat = cbp.meanActivations(0)[u];
    assert.ok(fHat > 0);
    cbp.replace(0, [u]);
    const after = noGrad(() => net.forward(x));
    const want = (before.toArray() as number[][]).map((row, n) =>
      row.map((v, o) => v - wOut[o][u] * hU[n][u] + wOut[o][u] * fHat),
    );
    assertClose(after, want, { atol: 1e-6 });
    assert.deepEqual(col(l2.weight.toArray() as number[][], u), [0, 0]);
    assert.equal((l1.bias!.toArray() as number[])[u], 0);
    assert.deepEqual(cbp.ages(0)[u], 0);
    assert.equal(cbp.utilities(0)[u], 0);
  });

  it('keeps the output across the conv→linear boundary (a unit is a channel)', () => {
    manualSeed(4);
    const net = new nn.Sequential(
      new nn.Conv2d(1, 3, 3),
      new nn.ReLU(),
      new nn.Conv2d(3, 2, 3),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(2 * 2 * 2, 3),
    );
    const cbp = new ContinualBackprop(net, null, { replacementRate: 0.5, maturityThreshold: 1000 });
    assert.equal(cbp.layers.length, 2);
    assert.deepEqual(cbp.layers[1].outgoing, { outer: 3, units: 2, inner: 4 });
    assert.deepEqual(cbp.layers[0].outgoing, { outer: 2, units: 3, inner: 9 });
    for (let i = 0; i < 3; i++) {
      net.forward(randn([4, 1, 6, 6]));
      cbp.step();
    }
    const x = randn([2, 1, 6, 6]);
    const children = net.children();
    const lin = children[5] as nn.Linear;
    const before = noGrad(() => net.forward(x)).toArray() as number[][];
    const feats = noGrad(() => children[3].forward(children[2].forward(children[1].forward(children[0].forward(x)))));
    const h = feats.toArray() as number[][][][]; // [2, 2, 2, 2]
    const w = lin.weight.toArray() as number[][];
    const c = 1;
    const fHat = cbp.meanActivations(1)[c];
    assert.ok(fHat > 0);
    cbp.replace(1, [c]);
    const after = noGrad(() => net.forward(x));
    const want = before.map((row, n) =>
      row.map((v, o) => {
        let delta = 0;
        for (let s = 0; s < 4; s++) delta += w[o][c * 4 + s] * (fHat - h[n][c][Math.floor(s / 2)][s % 2]);
        return v + delta;
      }),
    );
    assertClose(after, want, { atol: 1e-5 });
    // The conv's incoming filter was redrawn within gain·√(3/fanIn), fanIn = 3·3·3.
    const filter = ((children[2] as nn.Conv2d).weight.toArray() as number[][][][])[c].flat(2);
    for (const v of filter) assert.ok(Math.abs(v) <= Math.SQRT2 * Math.sqrt(3 / 27));
  });

  it('resets the SGD momentum of exactly the replaced slices', () => {
    manualSeed(5);
    const net = smallNet();
    const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const cbp = new ContinualBackprop(net, opt, { replacementRate: 0 });
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      net
        .forward(randn([4, 3]))
        .square()
        .sum()
        .backward();
      opt.step();
      cbp.step();
    }
    const [l1, , l2] = net.children() as [nn.Linear, nn.Module, nn.Linear];
    const buf = (p: Tensor) => (opt.state.get(p)!.momentumBuffer as Tensor).toArray() as number[] | number[][];
    const before = [l1.weight, l1.bias!, l2.weight, l2.bias!].map((p) => structuredClone(buf(p)));
    cbp.replace(0, [1, 3]);
    const [w1, b1, w2, b2] = [l1.weight, l1.bias!, l2.weight, l2.bias!].map((p) => buf(p));
    (w1 as number[][]).forEach((row, u) =>
      assert.deepEqual(row, [1, 3].includes(u) ? [0, 0, 0] : (before[0] as number[][])[u]),
    );
    assert.deepEqual(
      b1,
      (before[1] as number[]).map((v, u) => ([1, 3].includes(u) ? 0 : v)),
    );
    (w2 as number[][]).forEach((row, o) =>
      assert.deepEqual(
        row,
        (before[2] as number[][])[o].map((v, u) => ([1, 3].includes(u) ? 0 : v)),
      ),
    );
    assert.deepEqual(b2, before[3], 'the next bias keeps its momentum');
  });

  it("resets Adam's moments and restarts the step count of exactly the replaced slices", () => {
    manualSeed(6);
    const net = smallNet();
    const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
    const cbp = new ContinualBackprop(net, opt, { replacementRate: 0 });
    const train = () => {
      opt.zeroGrad();
      net
        .forward(randn([4, 3]))
        .square()
        .sum()
        .backward();
      opt.step();
    };
    for (let i = 0; i < 3; i++) train();
    const [l1, , l2] = net.children() as [nn.Linear, nn.Module, nn.Linear];
    const m2Before = (opt.state.get(l2.weight)!.expAvg as Tensor).toArray() as number[][];
    cbp.replace(0, [2]);
    const st = opt.state.get(l1.weight)!;
    assert.deepEqual((st.elementStep as Tensor).toArray(), [
      [3, 3, 3],
      [3, 3, 3],
      [0, 0, 0],
      [3, 3, 3],
    ]);
    assert.deepEqual(((st.expAvg as Tensor).toArray() as number[][])[2], [0, 0, 0]);
    assert.deepEqual(((st.expAvgSq as Tensor).toArray() as number[][])[2], [0, 0, 0]);
    const st2 = opt.state.get(l2.weight)!;
    assert.deepEqual((st2.elementStep as Tensor).toArray(), [
      [3, 3, 0, 3],
      [3, 3, 0, 3],
    ]);
    ((st2.expAvg as Tensor).toArray() as number[][]).forEach((row, o) =>
      assert.deepEqual(
        row,
        m2Before[o].map((v, u) => (u === 2 ? 0 : v)),
      ),
    );
    assert.equal(opt.state.get(l2.bias!)!.elementStep, undefined, 'the next bias is not reset');
    train();
    assert.deepEqual((st.elementStep as Tensor).toArray(), [
      [4, 4, 4],
      [4, 4, 4],
      [1, 1, 1],
      [4, 4, 4],
    ]);
    // A restarted element's first step is Adam's first step: lr·sign(g) (bias correction 1 − β^1).
    assert.equal(opt.state.get(l1.weight)!.step, 4);
  });

  it('Adam with equal per-element step counts gives the bits of plain Adam', () => {
    manualSeed(7);
    const a = smallNet();
    const b = smallNet();
    const oa = new optim.Adam(a.parameters(), { lr: 0.01, weightDecay: 0.01 });
    const ob = new optim.Adam(b.parameters(), { lr: 0.01, weightDecay: 0.01 });
    for (let s = 0; s < 6; s++) {
      const x = randn([3, 3]);
      for (const [m, o] of [
        [a, oa],
        [b, ob],
      ] as const) {
        o.zeroGrad();
        m.forward(x).square().sum().backward();
        o.step();
      }
      if (s === 1)
        for (const p of b.parameters()) {
          const st = ob.state.get(p)!;
          st.elementStep = Tensor.fromData(new Float32Array(p.numel()).fill(st.step), p.shape);
        }
    }
    a.parameters().forEach((p, i) => assert.deepEqual(p.toArray(), b.parameters()[i].toArray()));
  });
});

describe('ContinualBackprop modes and determinism', () => {
  const h = tensor([[0.3, 0.1, 0.7, 0.2]]);

  it("'accumulate' carries fractional replacements: ⌊ρ·eligible·steps⌋ in all", () => {
    const cbp = new ContinualBackprop(smallNet(), null, { replacementRate: 0.05, maturityThreshold: 0 });
    let total = 0;
    for (let i = 0; i < 100; i++) total += cbp.step([h])[0];
    // Every unit is eligible one step after it starts; replaced units miss one step each.
    assert.ok(total >= 17 && total <= 20, `${total} replacements`);
    assert.equal(total, cbp.replaced[0]);
  });

  it("'bernoulli' draws one replacement with probability ρ·eligible, seeded", () => {
    const run = (seed: number) => {
      const cbp = new ContinualBackprop(smallNet(), null, {
        replacementRate: 0.05,
        maturityThreshold: 0,
        fraction: 'bernoulli',
        seed,
      });
      const counts: number[] = [];
      for (let i = 0; i < 400; i++) counts.push(cbp.step([h])[0]);
      return counts;
    };
    const a = run(1);
    const total = a.reduce((x, y) => x + y, 0);
    assert.ok(a.every((c) => c === 0 || c === 1));
    assert.ok(total > 40 && total < 110, `${total} replacements in 400 steps at p ≈ 0.2`);
    assert.deepEqual(run(1), a);
    assert.notDeepEqual(run(2), a);
  });

  it('is deterministic for a seed, in a training loop and with fit', () => {
    const train = (seed: number) => {
      manualSeed(0);
      const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
      const opt = new optim.SGD(net.parameters(), { lr: 0.05 });
      const cbp = new ContinualBackprop(net, opt, { replacementRate: 0.05, maturityThreshold: 5, seed });
      const g = new Generator(9);
      const x = Tensor.fromData(
        Float32Array.from({ length: 64 * 4 }, () => g.normal()),
        [64, 4],
      );
      const y = x.sum(1, true).relu();
      fit(net, [x, y], {
        loss: nn.functional.mseLoss,
        optimizer: opt,
        epochs: 3,
        batchSize: 4,
        callbacks: [cbp],
      });
      assert.ok(cbp.replaced[0] > 0);
      return net.parameters().map((p) => p.toArray());
    };
    assert.deepEqual(train(1), train(1));
    assert.notDeepEqual(train(1), train(2));
  });

  it('rejects unknown options, bad values and nets it cannot map', () => {
    assert.throws(() => new ContinualBackprop(smallNet(), null, { replacmentRate: 1 } as never), OptionError);
    assert.throws(() => new ContinualBackprop(smallNet(), null, { decayRate: 1 }), /decayRate/);
    assert.throws(() => new ContinualBackprop(smallNet(), null, { utility: 'weight' as never }), /utility/);
    assert.throws(() => new ContinualBackprop(new nn.Sequential(new nn.Linear(2, 2)), null), /no hidden layer/);
    const cbp = new ContinualBackprop(smallNet(), null);
    assert.throws(() => cbp.step([tensor([[1, 2, 3]])]), /expected \[batch, 4/);
    assert.throws(() => cbp.replace(0, [4]), /unit 4/);
  });
});
