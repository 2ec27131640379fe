/** The CLI's epoch loop: seeded splits and shuffles, validation, early stopping, checkpoints that resume bit-exactly. */
import { DataLoader, defaultGenerator, Generator, nn, noGrad, optim, randperm, Subset, type Dataset, type Tensor } from 'nabla';
import { OPTIMIZERS } from './defaults.js';

/** One epoch's numbers, as printed, plotted and saved in training.json. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  samplesPerSecond: number;
}

/** Everything needed to continue training exactly where it stopped. */
export interface TrainState {
  epoch: number;
  history: EpochRecord[];
  bestValLoss: number;
  badEpochs: number;
  stopped: boolean;
  shuffleRng: number[];
  globalRng: number[];
}

/** A minimal optimizer surface the loop needs (every nabla optimizer has it). */
export interface StepOptimizer {
  zeroGrad(): void;
  step(): void;
  stateDict(): optim.OptimizerStateDict;
  loadStateDict(saved: optim.OptimizerStateDict): void;
}

export { OPTIMIZERS };

/** Makes the optimizer `--optimizer` names, with `lr` and PyTorch's defaults otherwise. */
export function makeOptimizer(name: string, params: Tensor[], lr: number): StepOptimizer {
  switch (name) {
    case 'sgd': return new optim.SGD(params, { lr });
    case 'momentum': return new optim.SGD(params, { lr, momentum: 0.9 });
    case 'adam': return new optim.Adam(params, { lr });
    case 'adamw': return new optim.AdamW(params, { lr });
    case 'rmsprop': return new optim.RMSprop(params, { lr });
    case 'adagrad': return new optim.Adagrad(params, { lr });
    default: throw new Error(`--optimizer '${name}' is not one of ${OPTIMIZERS.join(', ')}`);
  }
}

/** Train / validation / test index sets drawn from `seed` (the same seed always gives the same split). */
export function splitIndices(n: number, valFraction: number, testFraction: number, seed: number): { train: Int32Array; val: Int32Array; test: Int32Array } {
  const order = randperm(n, { generator: new Generator(seed + 1) }).toTypedArray() as Int32Array;
  const nTest = Math.round(n * testFraction);
  const nVal = Math.round((n - nTest) * valFraction);
  if (n - nTest - nVal < 1) throw new Error(`data set of ${n} samples leaves no training samples after the validation and test splits`);
  return { test: order.slice(0, nTest), val: order.slice(nTest, nTest + nVal), train: order.slice(nTest + nVal) };
}

export function subset(ds: Dataset, indices: Int32Array): Dataset {
  return new Subset(ds, Array.from(indices));
}

/** Mean cross-entropy and accuracy of `model` on `ds` (eval mode, no graph). */
export function evaluate(model: nn.Module, ds: Dataset, batchSize = 256): { loss: number; accuracy: number; predictions: Int32Array } {
  model.eval();
  let loss = 0;
  let correct = 0;
  const predictions = new Int32Array(ds.length);
  let k = 0;
  noGrad(() => {
    for (const [x, y] of new DataLoader(ds, { batchSize })) {
      const out = model.forward(x);
      loss += nn.functional.crossEntropy(out, y, { reduction: 'sum' }).item();
      const pred = out.argmax(1).toTypedArray();
      const labels = y.toTypedArray();
      for (let i = 0; i < pred.length; i++) {
        predictions[k++] = pred[i];
        if (pred[i] === labels[i]) correct++;
      }
    }
  });
  return { loss: loss / Math.max(1, ds.length), accuracy: correct / Math.max(1, ds.length), predictions };
}

/** Progress hooks for the bar, the summary lines and the dashboard. */
export interface TrainHooks {
  onBatch?(done: number, total: number, loss: number, accuracy: number): void;
  onEpoch?(record: EpochRecord, state: TrainState): void;
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  patience: number;
  seed: number;
}

/** A fresh state: the shuffle stream is derived from the seed; the global stream was seeded before model init. */
export function initialState(seed: number): TrainState {
  return { epoch: 0, history: [], bestValLoss: Infinity, badEpochs: 0, stopped: false, shuffleRng: new Generator(seed + 2).getState(), globalRng: defaultGenerator.getState() };
}

/**
 * Runs epochs `state.epoch + 1 … options.epochs` (fewer with early stopping), mutating `state`.
 * Both random streams are restored from `state` first, so a resumed run draws exactly what an
 * uninterrupted one would.
 */
export async function runEpochs(model: nn.Module, opt: StepOptimizer, train: Dataset, val: Dataset | null, state: TrainState, options: LoopOptions, hooks: TrainHooks = {}): Promise<void> {
  const shuffle = new Generator(0);
  shuffle.setState(state.shuffleRng);
  defaultGenerator.setState(state.globalRng);
  const loader = new DataLoader(train, { batchSize: options.batchSize, shuffle: true, generator: shuffle });
  while (state.epoch < options.epochs && !state.stopped) {
    const t0 = performance.now();
    const { loss, accuracy } = await trainOneEpoch(model, opt, loader, hooks);
    const v = val && val.length > 0 ? evaluate(model, val) : null;
    const seconds = (performance.now() - t0) / 1000;
    state.epoch += 1;
    const record: EpochRecord = { epoch: state.epoch, loss, accuracy, valLoss: v?.loss ?? null, valAccuracy: v?.accuracy ?? null, seconds, samplesPerSecond: train.length / seconds };
    state.history.push(record);
    const monitored = v ? v.loss : loss;
    if (monitored < state.bestValLoss) {
      state.bestValLoss = monitored;
      state.badEpochs = 0;
    } else if (options.patience > 0 && ++state.badEpochs >= options.patience) {
      state.stopped = true;
    }
    state.shuffleRng = shuffle.getState();
    state.globalRng = defaultGenerator.getState();
    hooks.onEpoch?.(record, state);
  }
}

/** Lets timers and sockets run (the dashboard, Ctrl-C) without slowing the loop: at most every 50 ms. */
let lastYield = 0;
async function yieldSometimes(): Promise<void> {
  if (performance.now() - lastYield < 50) return;
  await new Promise((r) => setImmediate(r));
  lastYield = performance.now();
}

async function trainOneEpoch(model: nn.Module, opt: StepOptimizer, loader: DataLoader, hooks: TrainHooks): Promise<{ loss: number; accuracy: number }> {
  model.train();
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  let batch = 0;
  for (const [x, y] of loader) {
    opt.zeroGrad();
    const out = model.forward(x);
    const loss = nn.functional.crossEntropy(out, y);
    loss.backward();
    opt.step();
    const n = y.shape[0];
    lossSum += loss.item() * n;
    const pred = out.detach().argmax(1).toTypedArray();
    const labels = y.toTypedArray();
    for (let i = 0; i < n; i++) if (pred[i] === labels[i]) correct++;
    seen += n;
    hooks.onBatch?.(++batch, loader.length, lossSum / seen, correct / seen);
    await yieldSometimes();
  }
  return { loss: lossSum / seen, accuracy: correct / seen };
}
