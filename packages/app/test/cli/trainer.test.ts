import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualSeed, nn, randn, TensorDataset } from 'nabla';
import { evaluate, initialState, makeOptimizer, runEpochs, splitIndices } from '../../src/cli/trainer.js';

test('splitIndices: disjoint, complete, sized by the fractions, the same for the same seed', () => {
  const a = splitIndices(100, 0.1, 0.2, 5);
  assert.deepEqual([a.train.length, a.val.length, a.test.length], [72, 8, 20]);
  const all = [...a.train, ...a.val, ...a.test].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
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
  await runEpochs(model, makeOptimizer('sgd', model.parameters(), 0.5), new TensorDataset(x, y), new TensorDataset(x, yVal), state,
    { epochs: 20, batchSize: 16, patience: 2, seed: 0 }, { onEpoch: (r) => seen.push(r.epoch) });
  assert.equal(state.stopped, true);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(state.history.length, 3);
  assert.ok(state.history[2].valLoss! > state.history[0].valLoss!, 'validation loss rose');
  assert.ok(state.history[2].accuracy > 0.8, `training accuracy ${state.history[2].accuracy}`);
  const r = evaluate(model, new TensorDataset(x, y));
  assert.equal(r.predictions.length, 64);
  assert.ok(Math.abs(r.accuracy - state.history[2].accuracy) < 0.15);
});

test('makeOptimizer names every optimizer the CLI offers and rejects others', () => {
  const params = new nn.Linear(2, 2).parameters();
  for (const name of ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad']) assert.ok(makeOptimizer(name, params, 0.01));
  assert.throws(() => makeOptimizer('lbfgs', params, 0.01), /--optimizer 'lbfgs' is not one of sgd, momentum/);
});
