import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DataLoader,
  EarlyStopping,
  Generator,
  type Tensor,
  TensorDataset,
  evaluate,
  fit,
  manualSeed,
  nn,
  optim,
  predict,
  randn,
  tensor,
  type Callback,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const F = nn.functional;

/** y = 3x - 1 plus a little noise, 100 samples. */
function line(seed: number): [Tensor, Tensor] {
  const g = new Generator(seed);
  const x = randn([100, 1], { generator: g });
  return [
    x,
    x
      .mul(3)
      .sub(1)
      .add(randn([100, 1], { generator: g }).mul(0.01)),
  ];
}

function setup(seed = 0, lr = 0.1) {
  manualSeed(seed);
  const model = new nn.Linear(1, 1);
  return { model, optimizer: new optim.SGD(model.parameters(), { lr }) };
}

const weights = (model: nn.Module): number[] => model.parameters().flatMap((p) => Array.from(p.toTypedArray()));

test('fit trains with the explicit loop and returns per-epoch loss, metrics and validation values', () => {
  const { model, optimizer } = setup();
  const [x, y] = line(1);
  const [xv, yv] = line(2);
  const history = fit(model, [x, y], {
    loss: F.mseLoss,
    optimizer,
    epochs: 5,
    batchSize: 10,
    metrics: ['mae'],
    validationData: [xv, yv],
    generator: new Generator(0),
  });
  assert.equal(history.epochs.length, 5);
  assert.deepEqual(history.keys(), ['epoch', 'loss', 'mae', 'valLoss', 'valMae', 'lr']);
  assert.deepEqual(history.get('epoch'), [0, 1, 2, 3, 4]);
  assert.ok(history.loss[4] < 1e-3 && history.loss[0] > history.loss[4] * 10, `loss ${history.loss}`);
  assertClose(weights(model), [3, -1], { atol: 0.02 });
  // The last valLoss is the evaluation of the final weights.
  const final = evaluate(model, [xv, yv], { loss: F.mseLoss, metrics: ['mae'] });
  assertClose(history.valLoss[4], final.loss, { rtol: 1e-5 });
  assertClose(history.get('valMae')[4], final.mae, { rtol: 1e-5 });
  assert.equal(history.stoppedEpoch, null);
  assert.deepEqual(history.get('lr'), [0.1, 0.1, 0.1, 0.1, 0.1]);
});

test('fit is the explicit loop: same weights as zeroGrad/forward/loss/backward/step by hand', () => {
  const [x, y] = line(1);
  const a = setup(5);
  fit(a.model, [x, y], { loss: F.mseLoss, optimizer: a.optimizer, epochs: 2, batchSize: 30, shuffle: false });
  const b = setup(5);
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let start = 0; start < 100; start += 30) {
      const n = Math.min(30, 100 - start);
      b.optimizer.zeroGrad();
      F.mseLoss(b.model.forward(x.narrow(0, start, n)), y.narrow(0, start, n)).backward();
      b.optimizer.step();
    }
  }
  assert.deepEqual(weights(a.model), weights(b.model));
});

test('fit with the same seeds is reproducible; valSplit holds out a random fraction', () => {
  const run = () => {
    const { model, optimizer } = setup(3);
    const sizes: number[] = [];
    const h = fit(model, line(1), {
      loss: F.mseLoss,
      optimizer,
      epochs: 2,
      batchSize: 16,
      valSplit: 0.2,
      generator: new Generator(9),
      callbacks: [{ onBatchEnd: (_b, logs) => void sizes.push(logs.size) }],
    });
    return { h, sizes, w: weights(model) };
  };
  const a = run();
  const b = run();
  assert.deepEqual(a.w, b.w);
  assert.deepEqual(a.h.valLoss, b.h.valLoss);
  // 80 training samples per epoch in batches of 16.
  assert.deepEqual(a.sizes, [16, 16, 16, 16, 16, 16, 16, 16, 16, 16]);
  assert.ok(a.h.valLoss.every(Number.isFinite));
});

test('callbacks run in order and ctx.stop() ends training after the current batch', () => {
  const { model, optimizer } = setup();
  const events: string[] = [];
  const cb: Callback = {
    onTrainBegin: () => void events.push('trainBegin'),
    onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
    onBatchEnd: (b, _logs, ctx) => {
      events.push(`batch ${b}`);
      if (ctx.history.epochs.length === 1 && b === 1) ctx.stop();
    },
    onEpochEnd: (e, logs) => void events.push(`epochEnd ${e} ${logs.epoch}`),
    onTrainEnd: (h) => void events.push(`trainEnd ${h.epochs.length}`),
  };
  const history = fit(model, line(1), {
    loss: F.mseLoss,
    optimizer,
    epochs: 10,
    batchSize: 40,
    shuffle: false,
    callbacks: [cb],
  });
  assert.deepEqual(events, [
    'trainBegin',
    'epochBegin 0',
    'batch 0',
    'batch 1',
    'batch 2',
    'epochEnd 0 0',
    'epochBegin 1',
    'batch 0',
    'batch 1',
    'epochEnd 1 1',
    'trainEnd 2',
  ]);
  assert.equal(history.stoppedEpoch, 1);
});

test('early stopping stops after patience epochs without improvement and restores the best weights', () => {
  const { model, optimizer } = setup(0, 0.05);
  const [x, y] = line(1);
  // Validation targets of the opposite slope: validation loss improves only while the fit is poor.
  const [xv] = line(2);
  const yv = xv.mul(-3);
  const snapshots: number[][] = [];
  const history = fit(model, [x, y], {
    loss: F.mseLoss,
    optimizer,
    epochs: 50,
    batchSize: 100,
    validationData: [xv, yv],
    earlyStopping: { patience: 3 },
    callbacks: [{ onEpochEnd: (_e, _l, ctx) => void snapshots.push(weights(ctx.model)) }],
  });
  const val = history.valLoss;
  const best = val.indexOf(Math.min(...val));
  assert.equal(history.bestEpoch, best);
  assert.equal(history.epochs.length, best + 4, `valLoss ${val}`);
  assert.equal(history.stoppedEpoch, best + 3);
  assert.deepEqual(weights(model), snapshots[best]);
  assert.notDeepEqual(weights(model), snapshots.at(-1));
});

test('early stopping: minDelta, max mode on accuracy, no restore, and an unknown monitor', () => {
  const { model, optimizer } = setup();
  // No step improves the loss by 10 or more, so only the first epoch counts: stop after 1 + patience.
  const h = fit(model, line(1), {
    loss: F.mseLoss,
    optimizer,
    epochs: 20,
    batchSize: 100,
    earlyStopping: { patience: 2, minDelta: 10 },
  });
  assert.equal(h.epochs.length, 3);
  assert.equal(h.bestEpoch, 0);
  const es = new EarlyStopping({ monitor: 'accuracy', patience: 0, restoreBestWeights: false });
  manualSeed(0);
  const clf = new nn.Linear(2, 2);
  const x = randn([20, 2]);
  const y = x.select(1, 0).gt(0).to('int32');
  const before = weights(clf);
  const h2 = fit(clf, [x, y], {
    loss: F.crossEntropy,
    optimizer: new optim.SGD(clf.parameters(), { lr: 0 }),
    epochs: 5,
    metrics: ['accuracy'],
    earlyStopping: es,
  });
  // lr 0: accuracy never rises, so max mode stops after the second epoch; weights untouched.
  assert.equal(h2.epochs.length, 2);
  assert.deepEqual(weights(clf), before);
  assert.throws(
    () =>
      fit(clf, [x, y], {
        loss: F.crossEntropy,
        optimizer: new optim.SGD(clf.parameters(), { lr: 0.1 }),
        earlyStopping: { monitor: 'valLoss' },
      }),
    /EarlyStopping: monitored quantity 'valLoss' is not logged; available: epoch, loss, lr/,
  );
});

test('a StepLR scheduler is stepped once per epoch; ReduceLROnPlateau watches the loss', () => {
  const { model, optimizer } = setup();
  const scheduler = new optim.StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
  const h = fit(model, line(1), { loss: F.mseLoss, optimizer, epochs: 5, batchSize: 100, scheduler });
  assert.deepEqual(h.get('lr'), [0.1, 0.1, 0.05, 0.05, 0.025]);
  const s2 = setup();
  const plateau = new optim.ReduceLROnPlateau(s2.optimizer, { patience: 0, factor: 0.5 });
  // lr 0.1 on a diverging problem: the loss rises from the second epoch on, and with patience 0
  // each bad epoch halves lr for the next one (PyTorch's ReduceLROnPlateau).
  const [x, y] = line(1);
  const h2 = fit(s2.model, [x.mul(10), y], {
    loss: F.mseLoss,
    optimizer: s2.optimizer,
    epochs: 3,
    batchSize: 100,
    scheduler: plateau,
    shuffle: false,
  });
  assert.ok(h2.loss[1] > h2.loss[0]);
  assert.deepEqual(h2.get('lr'), [0.1, 0.1, 0.05]);
});

test('fit takes a DataLoader or a Dataset, and a loss module', () => {
  class MSE extends nn.Module {
    forward(output: Tensor, target: Tensor) {
      return F.mseLoss(output, target);
    }
  }
  const [x, y] = line(1);
  const a = setup();
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 25, shuffle: true, generator: new Generator(1) });
  const ha = fit(a.model, loader, { loss: new MSE(), optimizer: a.optimizer, epochs: 3 });
  const b = setup();
  const hb = fit(b.model, new TensorDataset(x, y), {
    loss: F.mseLoss,
    optimizer: b.optimizer,
    epochs: 3,
    batchSize: 25,
    generator: new Generator(1),
  });
  assert.deepEqual(ha.loss, hb.loss);
  assert.deepEqual(weights(a.model), weights(b.model));
});

test('fit rejects a non-scalar loss, conflicting validation options and target-less batches', () => {
  const { model, optimizer } = setup();
  const data = line(1);
  assert.throws(
    () => fit(model, data, { loss: (o, t) => F.mseLoss(o, t, { reduction: 'none' }), optimizer }),
    /the loss must be a scalar, but it has shape \[32, 1\]; use reduction 'mean' or 'sum'/,
  );
  assert.throws(
    () => fit(model, data, { loss: F.mseLoss, optimizer, valSplit: 0.2, validationData: data }),
    /validationData or valSplit, not both/,
  );
  assert.throws(
    () => fit(model, data, { loss: F.mseLoss, optimizer, valSplit: 1.5 }),
    /valSplit must be in \(0, 1\), got 1.5/,
  );
  assert.throws(
    () => fit(model, [data[0]], { loss: F.mseLoss, optimizer }),
    /needs inputs and a target \(the last tensor\), but it has 1 tensor/,
  );
});

test('evaluate and predict run in eval mode without recording gradients, then restore the mode', () => {
  class Probe extends nn.Module {
    fc = this.registerModule('fc', new nn.Linear(3, 2));
    modes: boolean[] = [];
    forward(x: Tensor) {
      this.modes.push(this.training);
      return this.fc.forward(x);
    }
  }
  manualSeed(0);
  const model = new Probe();
  const x = randn([10, 3]);
  const y = tensor([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], { dtype: 'int32' });
  const out = predict(model, x, { batchSize: 4 });
  assert.equal(out.requiresGrad, false);
  assert.deepEqual(model.modes, [false, false, false]);
  assert.equal(model.training, true);
  assertClose(out, model.fc.forward(x), { rtol: 1e-6 });
  const r = evaluate(model, [x, y], { loss: F.crossEntropy, metrics: ['accuracy'], batchSize: 3 });
  assertClose(r.loss, F.crossEntropy(out, y).item(), { rtol: 1e-5 });
  const correct = out.argmax(1).eq(y).to('float32').sum().item();
  assertClose(r.accuracy, correct / 10);
  assert.throws(() => evaluate(model, [x.narrow(0, 0, 0), y.narrow(0, 0, 0)]), /evaluate: the data is empty/);
});
