import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions, requireOption, type OptionKeys } from '../tensor/options.js';
import { DataLoader } from '../data/dataloader.js';
import type { Dataset } from '../data/dataset.js';
import { randomSplit } from '../data/split.js';
import type { Module } from '../nn/module.js';
import { ReduceLROnPlateau } from '../optim/reduce-lr-on-plateau.js';
import { formatShape } from '../tensor/shape.js';
// `Rng`: the name `Generator` is taken here by the loop's generator functions.
import { defaultGenerator, type Generator as Rng } from '../tensor/random.js';
import {
  EarlyStopping,
  type Callback,
  type EarlyStoppingOptions,
  type OptimizerLike,
  type TrainingContext,
} from './callbacks.js';
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
  /** The epoch to end after, counted from the first (default 1); with `initialEpoch`, the total, like Keras. */
  epochs?: number;
  /** Epochs already trained (default 0): training runs epochs `initialEpoch … epochs - 1`, e.g. to resume a checkpoint. */
  initialEpoch?: number;
  /** A history to continue (a resumed run's earlier epochs); the new epochs are appended to it and it is returned. */
  history?: History;
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
  /**
   * Random source for shuffling and `valSplit` (default: the global generator, see `manualSeed`).
   * Its `getState()` after an epoch, restored with `setState()`, resumes the same shuffles.
   */
  generator?: Rng;
  /** Print one line per epoch (true: console.log; or a function receiving the line). */
  verbose?: boolean | ((line: string) => void);
}

type Metric = { name: string; fn: MetricFn };

const FIT_KEYS: OptionKeys<FitOptions> = {
  loss: true,
  optimizer: true,
  epochs: true,
  initialEpoch: true,
  history: true,
  batchSize: true,
  shuffle: true,
  validationData: true,
  valSplit: true,
  metrics: true,
  earlyStopping: true,
  callbacks: true,
  scheduler: true,
  schedulerMonitor: true,
  generator: true,
  verbose: true,
};

const FIT_ASYNC_KEYS: OptionKeys<FitOptions & { yieldMs?: number }> = { ...FIT_KEYS, yieldMs: true };

/** Unknown keys and the two required ones, before anything runs. */
function checkFitOptions(owner: string, options: FitOptions, keys: OptionKeys<FitOptions>): void {
  checkOptions<FitOptions>(owner, options, keys);
  requireOption(owner, options, 'loss');
  requireOption(owner, options, 'optimizer');
}

/** What the loop yields to its driver: a callback's pending promise, or nothing (a batch ended). */
type Pause = Promise<unknown> | undefined;

function prepareData(data: Data, options: FitOptions, generator: Rng): { train: DataLoader; validation: Data | null } {
  const batchSize = options.batchSize ?? 32;
  const loader = (ds: Dataset) => new DataLoader(ds, { batchSize, shuffle: options.shuffle ?? true, generator });
  if (options.valSplit === undefined) {
    return {
      train: data instanceof DataLoader ? data : loader(asDataset(data)),
      validation: options.validationData ?? null,
    };
  }
  if (options.validationData) throw new OptionError('fit: give validationData or valSplit, not both');
  if (data instanceof DataLoader)
    throw new OptionError('fit: valSplit needs tensors or a Dataset, not a DataLoader; pass validationData instead');
  if (!(options.valSplit > 0 && options.valSplit < 1))
    throw new OptionError(`fit: valSplit must be in (0, 1), got ${options.valSplit}`);
  const [train, val] = randomSplit(asDataset(data), [1 - options.valSplit, options.valSplit], generator);
  return { train: loader(train), validation: new DataLoader(val, { batchSize: 256 }) };
}

/** A callback's result as a pause: a promise is handed to the driver (awaited by `fitAsync`). */
const pending = (result: unknown): Pause => (result instanceof Promise ? result : undefined);

/** Mutable side of the context: what the loop updates as it goes. */
interface LoopState {
  epoch: number;
  samples: number;
  epochStart: number;
  /** Seconds of the finished epoch, frozen before `onEpochEnd`; null while it runs. */
  seconds: number | null;
  stopRequested: boolean;
}

function makeContext(
  model: Module,
  optimizer: OptimizerLike,
  history: History,
  generator: Rng,
  epochs: number,
  batches: number,
  callbacks: readonly Callback[],
) {
  const s: LoopState = { epoch: 0, samples: 0, epochStart: 0, seconds: null, stopRequested: false };
  const ctx: TrainingContext = {
    model,
    optimizer,
    history,
    generator,
    epochs,
    batchesPerEpoch: batches,
    callbacks,
    stop: () => void (s.stopRequested = true),
    get stopRequested() {
      return s.stopRequested;
    },
    get epoch() {
      return s.epoch;
    },
    get epochSamples() {
      return s.samples;
    },
    get epochSeconds() {
      return s.seconds ?? (performance.now() - s.epochStart) / 1000;
    },
  };
  return { ctx, s };
}

/**
 * One epoch of the training loop, spelled out: for each batch, clear gradients, run the model
 * forward, compute the loss, backpropagate, and let the optimizer update the parameters.
 */
function* trainEpoch(
  model: Module,
  loader: DataLoader,
  options: FitOptions,
  metrics: Metric[],
  callbacks: readonly Callback[],
  ctx: TrainingContext,
  s: LoopState,
): Generator<Pause, EpochLogs> {
  const { optimizer, loss: lossFn } = options;
  const totals: Record<string, number> = { loss: 0 };
  let b = 0;
  model.train();
  for (const batch of loader) {
    const { inputs, target } = splitBatch(batch);
    optimizer.zeroGrad(); // 1. forget the previous batch's gradients
    const output = model.forward(...inputs); // 2. forward pass, recording the graph
    const loss = computeLoss(lossFn, output, target); // 3. a scalar to minimise
    if (loss.numel() !== 1)
      throw new ShapeError(
        `fit: the loss must be a scalar, but it has shape ${formatShape(loss.shape)}; use reduction 'mean' or 'sum'`,
      );
    loss.backward(); // 4. backpropagation: d loss / d parameter into every .grad
    optimizer.step(); // 5. update the parameters from their gradients
    const n = target.shape[0] ?? 1;
    const logs = { loss: loss.item(), size: n } as { loss: number; size: number } & Record<string, number>;
    totals.loss += logs.loss * n;
    for (const m of metrics) {
      logs[m.name] = m.fn(output.detach(), target);
      totals[m.name] = (totals[m.name] ?? 0) + logs[m.name] * n;
    }
    s.samples += n;
    for (const cb of callbacks) yield pending(cb.onBatchEnd?.(b, logs, ctx));
    b++;
    yield undefined;
    if (ctx.stopRequested) break;
  }
  if (s.samples === 0) throw new OptionError('fit: the training data produced no batches');
  const logs: EpochLogs = { epoch: s.epoch, loss: totals.loss / s.samples };
  for (const [k, v] of Object.entries(totals)) logs[k] = v / s.samples;
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
  if (schedulerMonitor === undefined) {
    (scheduler as { step(): void }).step();
    return;
  }
  const value = logs[schedulerMonitor];
  if (value === undefined)
    throw new OptionError(
      `fit: schedulerMonitor '${schedulerMonitor}' is not logged; available: ${Object.keys(logs).join(', ')}`,
    );
  scheduler.step(value);
}

/**
 * The whole run as a generator: it pauses after every batch and hands over any promise a
 * callback returned, so `fit` (which ignores pauses) and `fitAsync` (which awaits them and
 * lets the event loop run) share one loop.
 */
function* run(model: Module, data: Data, options: FitOptions): Generator<Pause, History> {
  const epochs = options.epochs ?? 1;
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new OptionError(`fit: initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  const generator = options.generator ?? defaultGenerator;
  const { train, validation } = prepareData(data, options, generator);
  const metrics = (options.metrics ?? []).map(resolveMetric);
  const es = options.earlyStopping;
  const callbacks: Callback[] = [
    ...(options.callbacks ?? []),
    ...(es ? [es instanceof EarlyStopping ? es : new EarlyStopping(es)] : []),
  ];
  const print = options.verbose === true ? console.log : options.verbose || null;
  const history = options.history ?? new History();
  const { ctx, s } = makeContext(model, options.optimizer, history, generator, epochs, train.length, callbacks);
  for (const cb of callbacks) yield pending(cb.onTrainBegin?.(ctx));
  for (let epoch = initialEpoch; epoch < epochs && !ctx.stopRequested; epoch++) {
    Object.assign(s, { epoch, samples: 0, epochStart: performance.now(), seconds: null });
    for (const cb of callbacks) yield pending(cb.onEpochBegin?.(epoch, ctx));
    const lr = options.optimizer.paramGroups?.[0]?.lr;
    const logs = yield* trainEpoch(model, train, options, metrics, callbacks, ctx, s);
    if (validation) {
      const val = evaluate(model, validation, { loss: options.loss, metrics: options.metrics });
      for (const [k, v] of Object.entries(val)) logs[valName(k)] = v;
    }
    if (lr !== undefined) logs.lr = lr;
    s.seconds = (performance.now() - s.epochStart) / 1000;
    history.epochs.push(logs);
    print?.(formatLogs(logs, epochs, s.seconds * 1000));
    for (const cb of callbacks) yield pending(cb.onEpochEnd?.(epoch, logs, ctx));
    stepScheduler(options, logs);
    if (ctx.stopRequested && epoch < epochs - 1) history.stoppedEpoch = epoch;
  }
  for (const cb of callbacks) yield pending(cb.onTrainEnd?.(history, ctx));
  return history;
}

/**
 * Trains `model` on `data` (`[x, y]` tensors, a Dataset, or a DataLoader) for `epochs` passes
 * with the explicit loop zeroGrad → forward → loss → backward → step, evaluating validation
 * data after every epoch, with optional metrics, early stopping, callbacks and an LR scheduler.
 * Promises returned by callbacks are not awaited; use `fitAsync` for that.
 * @example
 * const history = fit(model, [xTrain, yTrain], {
 *   loss: nn.functional.crossEntropy, optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }),
 *   epochs: 100, batchSize: 16, valSplit: 0.2, metrics: ['accuracy'], earlyStopping: { patience: 10 },
 * });
 * history.get('valAccuracy');
 */
export function fit(model: Module, data: Data, options: FitOptions): History {
  checkFitOptions('fit', options, FIT_KEYS);
  const loop = run(model, data, options);
  for (;;) {
    const next = loop.next();
    if (next.done) return next.value;
  }
}

type Scheduler = (fn: () => void) => void;
/** A macrotask turn: `setImmediate` where there is one (Node), else a zero timeout. */
const macrotask: Scheduler =
  (globalThis as { setImmediate?: Scheduler }).setImmediate ?? ((fn) => void setTimeout(fn, 0));

/**
 * `fit` for programs that must stay responsive while training (a server streaming progress,
 * a page, Ctrl-C): the same loop and options, but it awaits promises returned by callbacks
 * (before the loop goes on) and lets timers and I/O run between batches at most every
 * `yieldMs` milliseconds (default 50; 0: after every batch).
 * @example
 * const history = await fitAsync(model, [xTrain, yTrain], {
 *   loss: nn.functional.crossEntropy, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
 *   epochs: 3, callbacks: [{ onEpochEnd: async (epoch, logs) => console.log(epoch, logs.loss) }],
 * });
 */
export async function fitAsync(
  model: Module,
  data: Data,
  options: FitOptions & { yieldMs?: number },
): Promise<History> {
  checkFitOptions('fitAsync', options, FIT_ASYNC_KEYS);
  const yieldMs = options.yieldMs ?? 50;
  const loop = run(model, data, options);
  let lastYield = performance.now();
  for (;;) {
    const next = loop.next();
    if (next.done) return next.value;
    if (next.value) {
      await next.value;
    } else if (performance.now() - lastYield >= yieldMs) {
      await new Promise<void>((resolve) => macrotask(resolve));
      lastYield = performance.now();
    }
  }
}
