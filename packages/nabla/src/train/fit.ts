import { DataLoader } from '../data/dataloader.js';
import type { Dataset } from '../data/dataset.js';
import { randomSplit } from '../data/split.js';
import type { Module } from '../nn/module.js';
import { ReduceLROnPlateau } from '../optim/reduce-lr-on-plateau.js';
import { formatShape } from '../tensor/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { EarlyStopping, type Callback, type EarlyStoppingOptions, type OptimizerLike, type TrainingContext } from './callbacks.js';
import { asDataset, computeLoss, evaluate, splitBatch, type Data, type Loss } from './evaluate.js';
import { History, valName, type EpochLogs } from './history.js';
import { resolveMetric, type MetricFn, type MetricSpec } from './metrics.js';

/**
 * A learning-rate scheduler stepped once per epoch: `step()` (e.g. `optim.StepLR`) or
 * `step(metric)` (`optim.ReduceLROnPlateau`); both kinds fit this type.
 */
export interface SchedulerLike {
  step(metric: number): void;
}

export interface FitOptions {
  /** `(output, target) => scalar` or a loss module. */
  loss: Loss;
  optimizer: OptimizerLike;
  /** Passes over the training data (default 1). */
  epochs?: number;
  /** Batch size when the data is not a DataLoader (default 32). */
  batchSize?: number;
  /** Reshuffle training samples every epoch (default true; ignored for a DataLoader). */
  shuffle?: boolean;
  /** Held-out data evaluated after every epoch (`valLoss`, `valAccuracy`, …). */
  validationData?: Data;
  /** Fraction of the training data to hold out for validation instead (random, from `generator`). */
  valSplit?: number;
  /** Logged per epoch: on the training batches as they are trained (train mode), and on validation data as `val…`. */
  metrics?: readonly MetricSpec[];
  /** Stop when the monitored quantity stops improving, keeping the best weights. */
  earlyStopping?: EarlyStoppingOptions | EarlyStopping;
  callbacks?: readonly Callback[];
  /**
   * Stepped after every epoch. It is passed the logged value named by `schedulerMonitor`, if
   * given; a `ReduceLROnPlateau` without one watches 'valLoss' (or 'loss' without validation).
   */
  scheduler?: SchedulerLike;
  schedulerMonitor?: string;
  /** Random source for shuffling and `valSplit` (default: the global generator, see `manualSeed`). */
  generator?: Generator;
  /** Print one line per epoch (true: console.log; or a function receiving the line). */
  verbose?: boolean | ((line: string) => void);
}

type Metric = { name: string; fn: MetricFn };

function prepareData(data: Data, options: FitOptions): { train: DataLoader; validation: Data | null } {
  const generator = options.generator ?? defaultGenerator;
  const batchSize = options.batchSize ?? 32;
  const loader = (ds: Dataset) => new DataLoader(ds, { batchSize, shuffle: options.shuffle ?? true, generator });
  if (options.valSplit === undefined) {
    return { train: data instanceof DataLoader ? data : loader(asDataset(data)), validation: options.validationData ?? null };
  }
  if (options.validationData) throw new Error('fit: give validationData or valSplit, not both');
  if (data instanceof DataLoader) throw new Error('fit: valSplit needs tensors or a Dataset, not a DataLoader; pass validationData instead');
  if (!(options.valSplit > 0 && options.valSplit < 1)) throw new Error(`fit: valSplit must be in (0, 1), got ${options.valSplit}`);
  const [train, val] = randomSplit(asDataset(data), [1 - options.valSplit, options.valSplit], generator);
  return { train: loader(train), validation: new DataLoader(val, { batchSize: 256 }) };
}

/**
 * One epoch of the training loop, spelled out: for each batch, clear gradients, run the model
 * forward, compute the loss, backpropagate, and let the optimizer update the parameters.
 */
function trainEpoch(model: Module, loader: DataLoader, options: FitOptions, metrics: Metric[], callbacks: readonly Callback[], ctx: TrainingContext): EpochLogs {
  const { optimizer, loss: lossFn } = options;
  const totals: Record<string, number> = { loss: 0 };
  let count = 0;
  let b = 0;
  model.train();
  for (const batch of loader) {
    const { inputs, target } = splitBatch(batch);
    optimizer.zeroGrad(); // 1. forget the previous batch's gradients
    const output = model.forward(...inputs); // 2. forward pass, recording the graph
    const loss = computeLoss(lossFn, output, target); // 3. a scalar to minimise
    if (loss.numel() !== 1) throw new Error(`fit: the loss must be a scalar, but it has shape ${formatShape(loss.shape)}; use reduction 'mean' or 'sum'`);
    loss.backward(); // 4. backpropagation: d loss / d parameter into every .grad
    optimizer.step(); // 5. update the parameters from their gradients
    const n = target.shape[0] ?? 1;
    const value = loss.item();
    totals.loss += value * n;
    for (const m of metrics) totals[m.name] = (totals[m.name] ?? 0) + m.fn(output.detach(), target) * n;
    count += n;
    for (const cb of callbacks) cb.onBatchEnd?.(b, { loss: value, size: n }, ctx);
    b++;
    if (ctx.stopRequested) break;
  }
  if (count === 0) throw new Error('fit: the training data produced no batches');
  const logs: EpochLogs = { epoch: 0, loss: totals.loss / count };
  for (const [k, v] of Object.entries(totals)) logs[k] = v / count;
  return logs;
}

function formatLogs(logs: EpochLogs, epochs: number, ms: number): string {
  const parts = Object.entries(logs)
    .filter(([k]) => k !== 'epoch')
    .map(([k, v]) => `${k} ${k === 'lr' ? v.toExponential(2) : v.toFixed(4)}`);
  return `epoch ${logs.epoch + 1}/${epochs}  ${parts.join('  ')}  (${ms.toFixed(0)} ms)`;
}

function stepScheduler(options: FitOptions, logs: EpochLogs): void {
  const { scheduler } = options;
  if (!scheduler) return;
  const plateau = scheduler instanceof ReduceLROnPlateau;
  const schedulerMonitor = options.schedulerMonitor ?? (plateau ? ('valLoss' in logs ? 'valLoss' : 'loss') : undefined);
  if (schedulerMonitor === undefined) return (scheduler as { step(): void }).step();
  const value = logs[schedulerMonitor];
  if (value === undefined) throw new Error(`fit: schedulerMonitor '${schedulerMonitor}' is not logged; available: ${Object.keys(logs).join(', ')}`);
  scheduler.step(value);
}

function makeContext(model: Module, optimizer: OptimizerLike, history: History): TrainingContext {
  let stopRequested = false;
  return {
    model,
    optimizer,
    history,
    stop: () => void (stopRequested = true),
    get stopRequested() {
      return stopRequested;
    },
  };
}

/**
 * Trains `model` on `data` (`[x, y]` tensors, a Dataset, or a DataLoader) for `epochs` passes
 * with the explicit loop zeroGrad → forward → loss → backward → step, evaluating validation
 * data after every epoch, with optional metrics, early stopping, callbacks and an LR scheduler.
 * @example
 * const history = fit(model, [xTrain, yTrain], {
 *   loss: nn.functional.crossEntropy, optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }),
 *   epochs: 100, batchSize: 16, valSplit: 0.2, metrics: ['accuracy'], earlyStopping: { patience: 10 },
 * });
 * history.get('valAccuracy');
 */
export function fit(model: Module, data: Data, options: FitOptions): History {
  const epochs = options.epochs ?? 1;
  const { train, validation } = prepareData(data, options);
  const metrics = (options.metrics ?? []).map(resolveMetric);
  const es = options.earlyStopping;
  const callbacks: Callback[] = [...(options.callbacks ?? []), ...(es ? [es instanceof EarlyStopping ? es : new EarlyStopping(es)] : [])];
  const print = options.verbose === true ? console.log : options.verbose || null;
  const history = new History();
  const ctx = makeContext(model, options.optimizer, history);
  for (const cb of callbacks) cb.onTrainBegin?.(ctx);
  for (let epoch = 0; epoch < epochs && !ctx.stopRequested; epoch++) {
    const start = performance.now();
    for (const cb of callbacks) cb.onEpochBegin?.(epoch, ctx);
    const lr = options.optimizer.paramGroups?.[0]?.lr;
    const logs = trainEpoch(model, train, options, metrics, callbacks, ctx);
    logs.epoch = epoch;
    if (validation) {
      const val = evaluate(model, validation, { loss: options.loss, metrics: options.metrics });
      for (const [k, v] of Object.entries(val)) logs[valName(k)] = v;
    }
    if (lr !== undefined) logs.lr = lr;
    history.epochs.push(logs);
    print?.(formatLogs(logs, epochs, performance.now() - start));
    for (const cb of callbacks) cb.onEpochEnd?.(epoch, logs, ctx);
    stepScheduler(options, logs);
    if (ctx.stopRequested && epoch < epochs - 1) history.stoppedEpoch = epoch;
  }
  for (const cb of callbacks) cb.onTrainEnd?.(history, ctx);
  return history;
}
