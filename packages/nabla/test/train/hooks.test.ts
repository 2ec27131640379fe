import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Checkpoint,
  EarlyStopping,
  EpochEndHook,
  Generator,
  History,
  defaultGenerator,
  fit,
  fitAsync,
  manualSeed,
  nn,
  optim,
  randn,
  type Callback,
  type EpochSummary,
  type Tensor,
  type TrainingState,
} from '../../src/index.js';

const F = nn.functional;

/** A two-class problem and a model with dropout, so training draws from the global generator too. */
function problem() {
  const g = new Generator(7);
  const x = randn([60, 3], { generator: g });
  const y = x.select(1, 0).add(x.select(1, 1)).gt(0).to('int32');
  const xv = randn([20, 3], { generator: g });
  // Validation labels of the opposite rule: its loss rises as training succeeds, so early stopping fires.
  const yv = xv.select(1, 0).add(xv.select(1, 1)).le(0).to('int32');
  return { x, y, xv, yv };
}

function setup() {
  manualSeed(1);
  const model = new nn.Sequential(new nn.Linear(3, 16), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(16, 2));
  return { model, optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }), generator: new Generator(2) };
}

const weights = (model: nn.Module): number[] => model.parameters().flatMap((p) => Array.from(p.toTypedArray()));

test('Checkpoint + initialEpoch + history resume a run to the same weights, logs and early stop as an uninterrupted one', () => {
  const { x, y, xv, yv } = problem();
  const options = (s: ReturnType<typeof setup>) => ({
    loss: F.crossEntropy,
    optimizer: s.optimizer,
    generator: s.generator,
    epochs: 30,
    batchSize: 8,
    validationData: [xv, yv],
    metrics: ['accuracy' as const],
  });
  const full = setup();
  const fullHistory = fit(full.model, [x, y], {
    ...options(full),
    earlyStopping: new EarlyStopping({ patience: 3, restoreBestWeights: false }),
  });
  assert.ok(
    fullHistory.epochs.length > 3 && fullHistory.epochs.length < 30,
    `stopped after ${fullHistory.epochs.length} epochs`,
  );

  const saved: { state: TrainingState; weights: Record<string, Tensor> }[] = [];
  const first = setup();
  const keep = new Checkpoint(
    (state, ctx) =>
      void saved.push({
        state,
        weights: Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, t]) => [k, t.clone()])),
      }),
  );
  fit(first.model, [x, y], {
    ...options(first),
    epochs: 2,
    callbacks: [new EarlyStopping({ patience: 3, restoreBestWeights: false }), keep],
  });
  assert.deepEqual(
    saved.map((s) => s.state.epoch),
    [1, 2],
  );
  const { state, weights: w } = saved[1];
  assert.equal(state.history.length, 2);
  assert.equal(state.stopped, false);
  assert.ok(state.optimizer && state.earlyStopping);

  // A fresh process: new objects, everything restored from the checkpoint.
  const resumed = setup();
  defaultGenerator.manualSeed(999); // whatever happened in between
  resumed.model.loadStateDict(w);
  resumed.optimizer.loadStateDict(state.optimizer);
  resumed.generator.setState(state.generator);
  defaultGenerator.setState(state.globalGenerator);
  const es = new EarlyStopping({ patience: 3, restoreBestWeights: false });
  es.loadStateDict(state.earlyStopping);
  const history = new History();
  history.epochs.push(...state.history);
  const seen: number[] = [];
  const h = fit(resumed.model, [x, y], {
    ...options(resumed),
    initialEpoch: state.epoch,
    history,
    callbacks: [es, { onEpochBegin: (e) => void seen.push(e) }],
  });
  assert.equal(h, history, 'the given history is continued and returned');
  assert.equal(seen[0], 2);
  assert.deepEqual(weights(resumed.model), weights(full.model));
  assert.deepEqual(
    h.epochs,
    fullHistory.epochs.map((e) => ({ ...e })),
  );
  assert.equal(es.stoppedEpoch, fullHistory.epochs.length - 1);
  assert.throws(
    () => fit(resumed.model, [x, y], { ...options(resumed), initialEpoch: -1 }),
    /initialEpoch must be a non-negative integer, got -1/,
  );
});

test('Checkpoint every n epochs also saves the last one; a stopped run says so', () => {
  const { x, y } = problem();
  const s = setup();
  const epochs: number[] = [];
  const stopAt3: Callback = { onEpochEnd: (e, _l, ctx) => void (e === 2 && ctx.stop()) };
  fit(s.model, [x, y], {
    loss: F.crossEntropy,
    optimizer: s.optimizer,
    epochs: 5,
    callbacks: [stopAt3, new Checkpoint((st) => void epochs.push(st.epoch), { every: 2 })],
  });
  assert.deepEqual(epochs, [2, 3]);
  const all: number[] = [];
  fit(s.model, [x, y], {
    loss: F.crossEntropy,
    optimizer: s.optimizer,
    epochs: 5,
    callbacks: [new Checkpoint((st) => void all.push(st.epoch), { every: 2 })],
  });
  assert.deepEqual(all, [2, 4, 5]);
  assert.throws(() => new Checkpoint(() => {}, { every: 0 }), /every must be a positive integer, got 0/);
});

test('EpochEndHook reports time and throughput; the context and batch logs carry progress and metrics', () => {
  const { x, y, xv, yv } = problem();
  const s = setup();
  const summaries: EpochSummary[] = [];
  const batches: string[] = [];
  const probe: Callback = {
    onBatchEnd: (b, logs, ctx) => {
      assert.ok(logs.accuracy >= 0 && logs.accuracy <= 1);
      batches.push(`${ctx.epoch}:${b}/${ctx.batchesPerEpoch} ${ctx.epochSamples}`);
    },
  };
  fit(s.model, [x, y], {
    loss: F.crossEntropy,
    optimizer: s.optimizer,
    epochs: 2,
    batchSize: 25,
    metrics: ['accuracy'],
    validationData: [xv, yv],
    callbacks: [
      probe,
      new EpochEndHook((summary, ctx) => void summaries.push({ ...summary, epoch: summary.epoch * 10 + ctx.epochs })),
    ],
  });
  assert.deepEqual(batches, ['0:0/3 25', '0:1/3 50', '0:2/3 60', '1:0/3 25', '1:1/3 50', '1:2/3 60']);
  assert.deepEqual(
    summaries.map((e) => e.epoch),
    [2, 12],
  );
  for (const e of summaries) {
    assert.equal(e.samples, 60);
    assert.ok(e.seconds > 0 && e.seconds < 10);
    assert.equal(e.samplesPerSecond, 60 / e.seconds);
    assert.ok('valAccuracy' in e.logs);
  }
});

test('fitAsync: the same training as fit, waits for async callbacks, lets timers run between batches', async () => {
  const { x, y } = problem();
  const a = setup();
  const ha = fit(a.model, [x, y], {
    loss: F.crossEntropy,
    optimizer: a.optimizer,
    generator: a.generator,
    epochs: 3,
    batchSize: 8,
  });
  const b = setup();
  const events: string[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const slow: Callback = {
    onEpochEnd: async (e) => {
      await new Promise((r) => setTimeout(r, 5));
      events.push(`saved ${e}`);
    },
    onEpochBegin: (e) => void events.push(`begin ${e}`),
  };
  const hb = await fitAsync(b.model, [x, y], {
    loss: F.crossEntropy,
    optimizer: b.optimizer,
    generator: b.generator,
    epochs: 3,
    batchSize: 8,
    yieldMs: 0,
    callbacks: [slow],
  });
  clearInterval(timer);
  assert.deepEqual(weights(a.model), weights(b.model));
  assert.deepEqual(ha.loss, hb.loss);
  assert.deepEqual(events, ['begin 0', 'saved 0', 'begin 1', 'saved 1', 'begin 2', 'saved 2']);
  assert.ok(ticks > 3, `timers ran ${ticks} times during training`);
});
