/** Seeded end-to-end learning tests: small problems a correct backprop stack must solve. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Generator,
  StandardScaler,
  TensorDataset,
  accuracy,
  evaluate,
  fit,
  linspace,
  manualSeed,
  mse,
  nn,
  optim,
  predict,
  stratifiedSplit,
  tensor,
  toTensors,
  twoSpirals,
} from '../../src/index.js';
import { readCsvFile } from '../../src/node.js';

const F = nn.functional;

test('XOR: a 2-4-1 sigmoid net learns by full-batch gradient descent on MSE', () => {
  manualSeed(0);
  const x = tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = tensor([[0], [1], [1], [0]]);
  const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Sigmoid(), new nn.Linear(4, 1), new nn.Sigmoid());
  const opt = new optim.SGD(model.parameters(), { lr: 2 });
  for (let step = 0; step < 3000; step++) {
    opt.zeroGrad();
    const loss = F.mseLoss(model.forward(x), y); // forward, then the loss
    loss.backward(); // gradients of the loss w.r.t. every parameter
    opt.step(); // p -= lr * p.grad
  }
  const out = predict(model, x);
  const err = out.sub(y).abs().max().item();
  assert.ok(err < 0.2, `XOR outputs ${JSON.stringify(out.toArray())} are not within 0.2 of [0, 1, 1, 0]`);
});

test('two spirals: a 2-32-32-2 tanh net reaches >= 98% training accuracy', () => {
  manualSeed(0);
  const g = new Generator(1);
  const [x, y] = twoSpirals(100, g);
  const model = new nn.Sequential(
    new nn.Linear(2, 32),
    new nn.Tanh(),
    new nn.Linear(32, 32),
    new nn.Tanh(),
    new nn.Linear(32, 2),
  );
  const history = fit(model, [x, y], {
    loss: F.crossEntropy,
    optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
    epochs: 300,
    batchSize: 200,
    metrics: ['accuracy'],
    generator: g,
  });
  const acc = accuracy(predict(model, x), y);
  assert.ok(acc >= 0.98, `training accuracy ${acc}`);
  assert.ok(history.loss[299] < history.loss[0] / 10, `loss went from ${history.loss[0]} to ${history.loss[299]}`);
});

test('sine regression: a 1-32-32-1 tanh net fits sin(x) on [-pi, pi] to MSE < 1e-3', () => {
  manualSeed(0);
  const x = linspace(-Math.PI, Math.PI, 64).reshape(64, 1);
  const y = x.sin();
  const model = new nn.Sequential(
    new nn.Linear(1, 32),
    new nn.Tanh(),
    new nn.Linear(32, 32),
    new nn.Tanh(),
    new nn.Linear(32, 1),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  fit(model, [x, y], { loss: F.mseLoss, optimizer: opt, epochs: 800, batchSize: 64, shuffle: false });
  const err = mse(predict(model, x), y);
  assert.ok(err < 1e-3, `MSE ${err}`);
  // Between the training points too.
  const xm = linspace(-3, 3, 50).reshape(50, 1);
  assert.ok(mse(predict(model, xm), xm.sin()) < 2e-3);
});

test('Iris: >= 95% accuracy on a seeded stratified 20% held-out split, features standardised on the training part', async () => {
  // Over split seeds 0-19 this protocol gives 96.8% mean held-out accuracy (13/20 seeds >= 95%),
  // on par with scikit-learn's LogisticRegression on the same splits (96.5%); seed 0 is the first.
  manualSeed(0);
  const iris = await readCsvFile(new URL('../../../app/data/iris.csv', import.meta.url).pathname, {
    target: 'species',
  });
  const g = new Generator(0);
  const [trainSet, testSet] = stratifiedSplit(
    new TensorDataset(iris.features, iris.target!),
    iris.target!,
    [0.8, 0.2],
    g,
  );
  const [xTrain, yTrain] = toTensors(trainSet);
  const [xTest, yTest] = toTensors(testSet);
  const scaler = new StandardScaler().fit(xTrain);
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
  const history = fit(model, [scaler.transform(xTrain), yTrain], {
    loss: new nn.CrossEntropyLoss(),
    optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
    epochs: 60,
    batchSize: 16,
    metrics: ['accuracy'],
    generator: g,
  });
  const result = evaluate(model, [scaler.transform(xTest), yTest], { loss: F.crossEntropy, metrics: ['accuracy'] });
  assert.deepEqual(Array.from(yTest.toTypedArray()).filter((c) => c === 2).length, 10);
  assert.ok(result.accuracy >= 0.95, `held-out accuracy ${result.accuracy}, loss ${result.loss}`);
  assert.ok(history.get('accuracy').at(-1)! >= 0.95);
});
