/**
 * 8x8 handwritten digits (1797 samples, 64 pixel features 0-16) with an MLP: a stratified
 * held-out test set, a validation split inside `fit`, early stopping on validation loss (best
 * weights restored) and ReduceLROnPlateau.
 * Run: npx tsx examples/digits.ts [--epochs 100]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Generator, TensorDataset, evaluate, fit, manualSeed, nn, optim, stratifiedSplit, toTensors } from 'nabla';
import { readCsvFile } from 'nabla/node';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '100' } } });
manualSeed(0);
const g = new Generator(0);
const digits = await readCsvFile(fileURLToPath(new URL('../packages/app/data/digits.csv', import.meta.url)), {
  target: 'digit',
  targetType: 'categorical',
});
const [trainSet, testSet] = stratifiedSplit(
  new TensorDataset(digits.features.div(16), digits.target!),
  digits.target!,
  [0.8, 0.2],
  g,
);
const [xTest, yTest] = toTensors(testSet);

const model = new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(64, 10));
const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
const start = performance.now();
const history = fit(model, trainSet, {
  loss: new nn.CrossEntropyLoss(),
  optimizer,
  epochs: Number(values.epochs),
  batchSize: 32,
  valSplit: 0.15, // of the training part, for early stopping and the scheduler
  metrics: ['accuracy'],
  earlyStopping: { monitor: 'valLoss', patience: 8, minDelta: 1e-4 },
  scheduler: new optim.ReduceLROnPlateau(optimizer, { factor: 0.5, patience: 3 }),
  generator: g,
  callbacks: [
    {
      onEpochEnd: (e, l) =>
        console.log(
          `epoch ${e + 1}  loss ${l.loss.toFixed(4)}  valLoss ${l.valLoss.toFixed(4)}  valAccuracy ${l.valAccuracy.toFixed(3)}  lr ${l.lr.toExponential(1)}`,
        ),
    },
  ],
});
const seconds = (performance.now() - start) / 1000;
const stopped = history.stoppedEpoch === null ? 'ran all epochs' : `stopped after epoch ${history.stoppedEpoch + 1}`;
console.log(`${stopped}, kept the weights of epoch ${(history.bestEpoch ?? 0) + 1}; ${seconds.toFixed(1)} s`);
const test = evaluate(model, [xTest, yTest], { metrics: ['accuracy'] });
console.log(`held-out test accuracy ${(100 * test.accuracy).toFixed(1)}% on ${yTest.shape[0]} digits`);
