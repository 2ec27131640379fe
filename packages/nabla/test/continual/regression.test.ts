/**
 * A small slowly-changing regression (8 bits, 6 of them redrawn every 500 steps; the target 20
 * linear threshold units with ±1 weights, β = 0.7) learned online by a 8-5-1 ReLU net with SGD at a
 * large step size, so plain backprop loses plasticity within 10,000 steps: its error over the last
 * quarter of the run must exceed continual backprop's.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ContinualBackprop, Generator, Tensor, manualSeed, nn, optim } from '../../src/index.js';

const INPUTS = 8;
const FLIPPING = 6;
const TARGET_UNITS = 20;

function lateError(withCbp: boolean, seed: number, steps = 10_000, flipEvery = 500, lr = 0.05): number {
  const g = new Generator(100 + seed);
  const pm = () => (g.random() < 0.5 ? -1 : 1);
  const w = Array.from({ length: TARGET_UNITS }, () => Array.from({ length: INPUTS }, pm));
  const tau = w.map((row) => 0.7 * (INPUTS + 1) - (INPUTS - row.reduce((a, b) => a + b, 0)) / 2);
  const v = Array.from({ length: TARGET_UNITS }, pm);
  manualSeed(seed);
  const net = new nn.Sequential(new nn.Linear(INPUTS, 5), new nn.ReLU(), new nn.Linear(5, 1));
  const opt = new optim.SGD(net.parameters(), { lr });
  const cbp = withCbp
    ? new ContinualBackprop(net, opt, {
        replacementRate: 1e-3,
        maturityThreshold: 100,
        utility: 'adaptableContribution',
        seed,
      })
    : null;
  const flipping = new Float32Array(FLIPPING);
  let late = 0;
  for (let t = 0; t < steps; t++) {
    if (t % flipEvery === 0) for (let j = 0; j < FLIPPING; j++) flipping[j] = g.random() < 0.5 ? 0 : 1;
    const x = new Float32Array(INPUTS);
    x.set(flipping);
    for (let j = FLIPPING; j < INPUTS; j++) x[j] = g.random() < 0.5 ? 0 : 1;
    let y = 0;
    for (let i = 0; i < TARGET_UNITS; i++) {
      let s = 0;
      for (let j = 0; j < INPUTS; j++) s += w[i][j] * x[j];
      if (s > tau[i]) y += v[i];
    }
    const loss = nn.functional.mseLoss(
      net.forward(Tensor.fromData(x, [1, INPUTS])),
      Tensor.fromData(Float32Array.of(y), [1, 1]),
    );
    opt.zeroGrad();
    loss.backward();
    opt.step();
    cbp?.step();
    if (t >= steps * 0.75) late += loss.item();
  }
  return late / (steps * 0.25);
}

it("a short slowly-changing regression: backprop's late error exceeds continual backprop's", () => {
  const bp = lateError(false, 0);
  const cbp = lateError(true, 0);
  assert.ok(bp > 2 * cbp, `late error: backprop ${bp.toFixed(3)}, continual backprop ${cbp.toFixed(3)}`);
});
