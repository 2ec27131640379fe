/**
 * What `nabla train` adds to the library's `fit`: the optimizer names, the seeded split, the
 * records it prints and saves, and `runEpochs`, which trains through `fitAsync` with the
 * library's early stopping so that a checkpointed run resumes bit-exactly.
 */
import {
  DataLoader,
  defaultGenerator,
  EarlyStopping,
  fitAsync,
  Generator,
  History,
  nn,
  noGrad,
  optim,
  randperm,
  Subset,
  type BatchLogs,
  type Callback,
  type Dataset,
  type EpochLogs,
  type Tensor,
  type TrainingContext,
  type TrainingState,
} from 'nabla';
import { OPTIMIZERS } from './defaults.js';
import { plasticityOf, type PlasticityRecord } from './plasticity.js';

/** One epoch's numbers, as printed, plotted and saved in training.json (`epoch` counts from 1). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  samplesPerSecond: number;
  /** Dead units, ranks and mean |weight| on the probe (`--plasticity` only; absent otherwise). */
  plasticity?: PlasticityRecord;
}

/** Everything needed to continue training exactly where it stopped (checkpoint.json's `state`). */
export interface TrainState {
  epoch: number;
  history: EpochRecord[];
  bestValLoss: number;
  badEpochs: number;
  stopped: boolean;
  shuffleRng: number[];
  globalRng: number[];
}

/** A minimal optimizer surface the CLI needs (every nabla optimizer has it). */
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
    case 'sgd':
      return new optim.SGD(params, { lr });
    case 'momentum':
      return new optim.SGD(params, { lr, momentum: 0.9 });
    case 'adam':
      return new optim.Adam(params, { lr });
    case 'adamw':
      return new optim.AdamW(params, { lr });
    case 'rmsprop':
      return new optim.RMSprop(params, { lr });
    case 'adagrad':
      return new optim.Adagrad(params, { lr });
    default:
      throw new Error(`--optimizer '${name}' is not one of ${OPTIMIZERS.join(', ')}`);
  }
}

/** Train / validation / test index sets drawn from `seed` (the same seed always gives the same split). */
export function splitIndices(
  n: number,
  valFraction: number,
  testFraction: number,
  seed: number,
): { train: Int32Array; val: Int32Array; test: Int32Array } {
  const order = randperm(n, { generator: new Generator(seed + 1) }).toTypedArray() as Int32Array;
  const nTest = Math.round(n * testFraction);
  const nVal = Math.round((n - nTest) * valFraction);
  if (n - nTest - nVal < 1)
    throw new Error(`data set of ${n} samples leaves no training samples after the validation and test splits`);
  // A split asked for but empty would report a validation or test accuracy of nothing.
  if (valFraction > 0 && nVal === 0)
    throw new Error(
      `--val-split ${valFraction} of ${n - nTest} samples is no sample at all; give 0 for no validation, or a larger fraction`,
    );
  if (testFraction > 0 && nTest === 0)
    throw new Error(
      `--test-split ${testFraction} of ${n} samples is no sample at all; give 0 for no test split, or a larger fraction`,
    );
  return { test: order.slice(0, nTest), val: order.slice(nTest, nTest + nVal), train: order.slice(nTest + nVal) };
}

export function subset(ds: Dataset, indices: Int32Array): Dataset {
  return new Subset(ds, Array.from(indices));
}

/**
 * Mean cross-entropy, accuracy and predicted classes of `model` on `ds` (eval mode, no graph):
 * the held-out numbers of `nabla train` and `nabla eval`, counted exactly so both agree.
 */
export function evaluate(
  model: nn.Module,
  ds: Dataset,
  batchSize = 256,
): { loss: number; accuracy: number; predictions: Int32Array } {
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

/** The record of the epoch that just ended (its time and throughput as `fit` measured them). */
export function epochRecord(epoch: number, logs: EpochLogs, ctx: TrainingContext): EpochRecord {
  const record: EpochRecord = {
    epoch: epoch + 1,
    loss: logs.loss,
    accuracy: logs.accuracy,
    valLoss: logs.valLoss ?? null,
    valAccuracy: logs.valAccuracy ?? null,
    seconds: ctx.epochSeconds,
    samplesPerSecond: ctx.epochSamples / ctx.epochSeconds,
  };
  const plasticity = plasticityOf(logs);
  if (plasticity) record.plasticity = plasticity;
  return record;
}

/** Loss and accuracy averaged over the batches of the current epoch so far (for live displays). */
export class EpochMeans {
  private samples = 0;
  private loss = 0;
  private accuracy = 0;

  reset(): void {
    this.samples = this.loss = this.accuracy = 0;
  }

  add(logs: BatchLogs): { loss: number; accuracy: number } {
    this.samples += logs.size;
    this.loss += logs.loss * logs.size;
    this.accuracy += logs.accuracy * logs.size;
    return { loss: this.loss / this.samples, accuracy: this.accuracy / this.samples };
  }
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  /** Epochs without a better validation loss before stopping (0: never). */
  patience: number;
  seed: number;
  /** Callbacks that add measurements to each epoch's logs before it is recorded (`--plasticity`). */
  measures?: readonly Callback[];
}

/** A fresh state: the shuffle stream is derived from the seed; the global stream was seeded before model init. */
export function initialState(seed: number): TrainState {
  return {
    epoch: 0,
    history: [],
    bestValLoss: Infinity,
    badEpochs: 0,
    stopped: false,
    shuffleRng: new Generator(seed + 2).getState(),
    globalRng: defaultGenerator.getState(),
  };
}

/** The checkpoint state of a run from a library `Checkpoint`'s state and the records so far. */
export function trainState(s: TrainingState, history: EpochRecord[]): TrainState {
  const es = s.earlyStopping;
  return {
    epoch: s.epoch,
    history,
    bestValLoss: es?.best ?? Infinity,
    badEpochs: es?.wait ?? 0,
    stopped: s.stopped,
    shuffleRng: s.generator,
    globalRng: s.globalGenerator,
  };
}

/** Raised when training diverges: the caller keeps the last good checkpoint and saves nothing. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

/**
 * Stops the run the moment a loss (per batch, or on validation) or a weight becomes NaN or
 * ±Infinity, before any later callback records or checkpoints the epoch; epochs count from 1.
 */
export function finiteGuard(): Callback {
  return {
    onBatchEnd(batch, logs, ctx) {
      if (!Number.isFinite(logs.loss))
        throw new NonFiniteError(`epoch ${ctx.epoch + 1}, batch ${batch + 1}: the training loss is ${logs.loss}`);
    },
    onEpochEnd(epoch, logs, ctx) {
      if (logs.valLoss !== undefined && !Number.isFinite(logs.valLoss))
        throw new NonFiniteError(`epoch ${epoch + 1}: the validation loss is ${logs.valLoss}`);
      const bad = Object.entries(ctx.model.stateDict()).find(([, t]) => !noGrad(() => t.isfinite().all().item()));
      if (bad) throw new NonFiniteError(`epoch ${epoch + 1}: weight '${bad[0]}' holds NaN or ±Infinity`);
    },
  };
}

/** The library `History` of saved records, for a resumed `fit` to continue. */
function historyOf(records: readonly EpochRecord[]): History {
  const history = new History();
  for (const r of records) {
    const logs: EpochLogs = { epoch: r.epoch - 1, loss: r.loss, accuracy: r.accuracy };
    if (r.valLoss !== null) logs.valLoss = r.valLoss;
    if (r.valAccuracy !== null) logs.valAccuracy = r.valAccuracy;
    history.epochs.push(logs);
  }
  return history;
}

/**
 * Trains epochs `state.epoch + 1 … options.epochs` (fewer with early stopping) through the
 * library's `fitAsync`: cross-entropy, accuracy, validation each epoch, seeded shuffles and
 * `EarlyStopping` on the validation loss (the training loss without validation data), both
 * restored from `state` so a resumed run draws and decides exactly as an uninterrupted one.
 * `state` is kept up to date after every epoch, after `options.measures` (the plasticity probe)
 * and before `callbacks` (progress, checkpoint, dashboard) run, in their order. A NaN or
 * infinite loss or weight throws `NonFiniteError` before the epoch is recorded or checkpointed.
 */
export async function runEpochs(
  model: nn.Module,
  opt: StepOptimizer,
  train: Dataset,
  val: Dataset | null,
  state: TrainState,
  options: LoopOptions,
  callbacks: readonly Callback[] = [],
): Promise<void> {
  const generator = new Generator(0);
  generator.setState(state.shuffleRng);
  defaultGenerator.setState(state.globalRng);
  // patience 0 never stops but still counts, so checkpoints carry the same numbers either way.
  const earlyStopping = new EarlyStopping({
    patience: options.patience > 0 ? options.patience : Infinity,
    restoreBestWeights: false,
  });
  earlyStopping.loadStateDict({ best: state.bestValLoss, bestEpoch: -1, wait: state.badEpochs });
  const keeper: Callback = {
    onEpochEnd(epoch, logs, ctx) {
      state.history.push(epochRecord(epoch, logs, ctx));
      Object.assign(state, {
        epoch: epoch + 1,
        bestValLoss: earlyStopping.best,
        badEpochs: earlyStopping.wait,
        stopped: ctx.stopRequested,
      });
      state.shuffleRng = generator.getState();
      state.globalRng = defaultGenerator.getState();
    },
  };
  await fitAsync(model, train, {
    loss: nn.functional.crossEntropy,
    optimizer: opt,
    metrics: ['accuracy'],
    generator,
    epochs: options.epochs,
    initialEpoch: state.epoch,
    history: historyOf(state.history),
    batchSize: options.batchSize,
    validationData: val && val.length > 0 ? val : undefined,
    callbacks: [finiteGuard(), earlyStopping, ...(options.measures ?? []), keeper, ...callbacks],
  });
}
