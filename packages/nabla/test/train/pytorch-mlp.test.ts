/**
 * End-to-end: a 4-16-16-3 ReLU MLP trained 100 steps with SGD-momentum and with Adam, from
 * PyTorch's initial weights on PyTorch's batches (test/fixtures/mlp.json, scripts/fixtures/gen_mlp.py).
 * The loss must follow PyTorch's curve at every step.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { nn, tensor, type Tensor } from '../../src/index.js';
import { Adam, SGD, type BaseHyper, type Optimizer } from '../../src/optim/index.js';
import { assertClose } from '../helpers.js';

type Weights = Record<string, number[] | number[][]>;
interface Run {
  options: { lr: number; momentum?: number };
  losses: number[];
  final: Weights;
}
interface MlpFixture {
  x: number[][];
  y: number[];
  batches: number[][];
  initial: Weights;
  runs: { sgd: Run; adam: Run };
}

const fx: MlpFixture = JSON.parse(readFileSync(new URL('../fixtures/mlp.json', import.meta.url), 'utf8'));
const X = tensor(fx.x);
const Y = tensor(fx.y, { dtype: 'int32' });

function makeModel(): nn.Sequential {
  const model = new nn.Sequential(
    new nn.Linear(4, 16),
    new nn.ReLU(),
    new nn.Linear(16, 16),
    new nn.ReLU(),
    new nn.Linear(16, 3),
  );
  const state: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.initial)) state[k] = tensor(v);
  model.loadStateDict(state);
  return model;
}

/** Trains 100 steps on the fixture's batches; returns the loss at each step. */
function train(model: nn.Sequential, opt: Optimizer<BaseHyper>): number[] {
  return fx.batches.map((batch) => {
    const idx = tensor(batch, { dtype: 'int32' });
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(model.forward(X.indexSelect(0, idx)), Y.indexSelect(0, idx));
    loss.backward();
    opt.step();
    return loss.item();
  });
}

function checkRun(run: Run, makeOpt: (model: nn.Sequential) => Optimizer<BaseHyper>): void {
  const model = makeModel();
  const losses = train(model, makeOpt(model));
  losses.forEach((l, i) => assertClose(l, run.losses[i], { rtol: 1e-4, atol: 0, message: `loss at step ${i + 1}` }));
  const final = model.stateDict();
  for (const [k, v] of Object.entries(run.final))
    assertClose(final[k], v, { rtol: 1e-3, atol: 1e-4, message: `final ${k}` });
}

describe('a 3-layer MLP trains like PyTorch (cross-entropy, 100 steps)', () => {
  it('SGD with momentum: loss within 1e-4 relative at every step', () => {
    const { lr, momentum } = fx.runs.sgd.options;
    checkRun(fx.runs.sgd, (m) => new SGD(m.parameters(), { lr, momentum }));
  });

  it('Adam: loss within 1e-4 relative at every step', () => {
    checkRun(fx.runs.adam, (m) => new Adam(m.parameters(), { lr: fx.runs.adam.options.lr }));
  });
});
