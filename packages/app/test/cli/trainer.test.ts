import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { manualSeed, nn, randn, TensorDataset } from 'nabla';
import { checkpointCallback, loadCheckpoint } from '../../src/cli/checkpoint.js';
import { TRAIN_DEFAULTS } from '../../src/cli/defaults.js';
import {
  evaluate,
  initialState,
  makeOptimizer,
  runEpochs,
  splitIndices,
  type TrainState,
} from '../../src/cli/trainer.js';

test('splitIndices: disjoint, complete, sized by the fractions, the same for the same seed', () => {
  const a = splitIndices(100, 0.1, 0.2, 5);
  assert.deepEqual([a.train.length, a.val.length, a.test.length], [72, 8, 20]);
  const all = [...a.train, ...a.val, ...a.test].sort((x, y) => x - y);
  assert.deepEqual(
    all,
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(splitIndices(100, 0.1, 0.2, 5), a);
  assert.notDeepEqual(splitIndices(100, 0.1, 0.2, 6).test, a.test);
  assert.throws(() => splitIndices(3, 0.5, 0.5, 0), /leaves no training samples/);
});

test('early stopping: validation loss that only gets worse stops after `patience` epochs', async () => {
  manualSeed(0);
  const x = randn([64, 2]);
  const y = x.select(1, 0).gt(0).to('int32');
  // Validation labels are the opposite rule, so learning the training rule makes them worse.
  const yVal = y.eq(0).to('int32');
  const model = new nn.Sequential(new nn.Linear(2, 2));
  const state = initialState(0);
  const seen: number[] = [];
  await runEpochs(
    model,
    makeOptimizer('sgd', model.parameters(), 0.5),
    new TensorDataset(x, y),
    new TensorDataset(x, yVal),
    state,
    { epochs: 20, batchSize: 16, patience: 2, seed: 0 },
    [{ onEpochEnd: (e) => void seen.push(e + 1) }],
  );
  assert.equal(state.stopped, true);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(state.history.length, 3);
  assert.ok(state.history[2].valLoss! > state.history[0].valLoss!, 'validation loss rose');
  assert.ok(state.history[2].accuracy > 0.8, `training accuracy ${state.history[2].accuracy}`);
  const r = evaluate(model, new TensorDataset(x, y));
  assert.equal(r.predictions.length, 64);
  assert.ok(Math.abs(r.accuracy - state.history[2].accuracy) < 0.15);
});

test('a run resumed from its checkpoint files ends where an uninterrupted run does: weights, records, RNG states', async () => {
  manualSeed(0);
  const x = randn([48, 3]);
  const y = x.select(1, 0).gt(0).to('int32');
  const data = new TensorDataset(x, y);
  const val = new TensorDataset(x.narrow(0, 0, 8), y.narrow(0, 0, 8));
  const build = () => {
    manualSeed(3);
    // Dropout draws from the global generator, so resuming must restore that stream too.
    const model = new nn.Sequential(new nn.Linear(3, 8), new nn.Dropout(0.3), new nn.Linear(8, 2));
    return { model, opt: makeOptimizer('momentum', model.parameters(), 0.1), state: initialState(3) };
  };
  const options = (epochs: number) => ({ epochs, batchSize: 10, patience: 2, seed: 3 });
  const full = build();
  await runEpochs(full.model, full.opt, data, val, full.state, options(6));
  const dir = mkdtempSync(join(tmpdir(), 'nabla-resume-'));
  try {
    const part = build();
    const config = { ...TRAIN_DEFAULTS, seed: 3, patience: 2 };
    await runEpochs(part.model, part.opt, data, val, part.state, options(3), [
      checkpointCallback(dir, { classes: ['a', 'b'] }, config, part.state.history),
    ]);
    const ckpt = loadCheckpoint(dir);
    assert.deepEqual(ckpt.state, part.state);
    const resumed = build();
    manualSeed(123); // whatever the global stream did in between
    resumed.model.loadStateDict(ckpt.loaded.model.stateDict());
    resumed.opt.loadStateDict(ckpt.optimizer);
    await runEpochs(resumed.model, resumed.opt, data, val, ckpt.state, options(6));
    const w = (m: nn.Module) => m.parameters().flatMap((p) => Array.from(p.toTypedArray()));
    assert.deepEqual(w(resumed.model), w(full.model));
    const numbers = (s: TrainState) => ({
      ...s,
      history: s.history.map(({ seconds: _s, samplesPerSecond: _r, ...r }) => r),
    });
    assert.deepEqual(numbers(ckpt.state), numbers(full.state));
    assert.equal(full.state.history.length, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('makeOptimizer names every optimizer the CLI offers and rejects others', () => {
  const params = new nn.Linear(2, 2).parameters();
  for (const name of ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'])
    assert.ok(makeOptimizer(name, params, 0.01));
  assert.throws(() => makeOptimizer('lbfgs', params, 0.01), /--optimizer 'lbfgs' is not one of sgd, momentum/);
});
