/**
 * Iris end to end: read the bundled CSV, hold out a stratified 20% test split, standardise the
 * features with training statistics, train a 4-16-3 MLP with `fit`, report held-out accuracy.
 * Run: npm run example   (or npx tsx examples/iris.ts [--epochs 60] [--seed 0])
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  Generator,
  StandardScaler,
  TensorDataset,
  evaluate,
  fit,
  manualSeed,
  nn,
  optim,
  predict,
  stratifiedSplit,
  toTensors,
} from 'nabla';
import { readCsvFile } from 'nabla/node';

const { values } = parseArgs({
  options: { epochs: { type: 'string', default: '60' }, seed: { type: 'string', default: '0' } },
});
const seed = Number(values.seed);
manualSeed(seed);

const iris = await readCsvFile(fileURLToPath(new URL('../packages/app/data/iris.csv', import.meta.url)), {
  target: 'species',
});
const labels = iris.target!;
const g = new Generator(seed);
const [trainSet, testSet] = stratifiedSplit(new TensorDataset(iris.features, labels), labels, [0.8, 0.2], g);
const [xTrain, yTrain] = toTensors(trainSet);
const [xTest, yTest] = toTensors(testSet);
const scaler = new StandardScaler().fit(xTrain); // statistics from the training part only
console.log(
  `Iris: ${xTrain.shape[0]} training / ${xTest.shape[0]} test samples, features ${iris.featureNames.join(', ')}`,
);

const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
const start = performance.now();
fit(model, [scaler.transform(xTrain), yTrain], {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
  epochs: Number(values.epochs),
  batchSize: 16,
  metrics: ['accuracy'],
  generator: g,
  verbose: true, // one line per epoch: loss, accuracy, lr
});
const seconds = (performance.now() - start) / 1000;

const test = evaluate(model, [scaler.transform(xTest), yTest], {
  loss: new nn.CrossEntropyLoss(),
  metrics: ['accuracy'],
});
console.log(
  `trained in ${seconds.toFixed(2)} s; held-out loss ${test.loss.toFixed(4)}, accuracy ${(100 * test.accuracy).toFixed(1)}%`,
);

// Confusion matrix: rows are true species, columns predicted.
const predicted = predict(model, scaler.transform(xTest)).argmax(1).toTypedArray();
const truth = yTest.toTypedArray();
const names = iris.classNames!;
const counts = names.map(() => names.map(() => 0));
truth.forEach((t, i) => counts[t][predicted[i]]++);
console.log(`\n${'true \\ predicted'.padEnd(18)}${names.map((n) => n.padStart(12)).join('')}`);
names.forEach((n, i) => console.log(`${n.padEnd(18)}${counts[i].map((c) => String(c).padStart(12)).join('')}`));
