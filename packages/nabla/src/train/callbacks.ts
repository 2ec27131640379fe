import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Module, StateDict } from '../nn/module.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import type { Generator } from '../tensor/random.js';
import type { EpochLogs, History } from './history.js';

/** The smallest optimizer `fit` can drive (every `optim` optimizer is one). */
export interface OptimizerLike {
  zeroGrad(): void;
  step(): unknown;
  readonly paramGroups?: readonly { lr: number }[];
  /** Saved by `Checkpoint` when present. */
  stateDict?(): OptimizerStateDict;
}

/** What callbacks see and can do while `fit` runs. */
export interface TrainingContext {
  readonly model: Module;
  readonly optimizer: OptimizerLike;
  readonly history: History;
  /** The generator that shuffles the training data (save its state to resume the same shuffles). */
  readonly generator: Generator;
  /** The callbacks of this run, in the order they are called. */
  readonly callbacks: readonly Callback[];
  /** The current epoch (0-based) and the epoch training ends after (`epochs` of `fit`). */
  readonly epoch: number;
  readonly epochs: number;
  /** Batches in one epoch of the training data. */
  readonly batchesPerEpoch: number;
  /** Training samples seen so far in the current epoch. */
  readonly epochSamples: number;
  /**
   * Seconds the current epoch has taken: live while it trains, then fixed once its training
   * and validation end, so every `onEpochEnd` sees the same value whatever its place.
   */
  readonly epochSeconds: number;
  /** Ends training after the current batch (its epoch is logged, cut short). */
  stop(): void;
  readonly stopRequested: boolean;
}

/** What `onBatchEnd` receives: the batch's loss, its sample count, and each metric on it. */
export type BatchLogs = { loss: number; size: number } & Record<string, number>;

/**
 * Hooks into `fit`; every member is optional. A member may return a promise: `fitAsync` waits
 * for it before going on (`fit` does not).
 * @example
 * const printer: Callback = { onEpochEnd: (e, logs) => console.log(e, logs.loss) };
 * const stopAtLoss: Callback = { onBatchEnd: (b, logs, ctx) => { if (logs.loss < 1e-3) ctx.stop(); } };
 */
export interface Callback {
  onTrainBegin?(ctx: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainingContext): void | Promise<void>;
  /** After each optimizer step; `logs.loss` is the batch's loss, `logs.size` its sample count. */
  onBatchEnd?(batch: number, logs: BatchLogs, ctx: TrainingContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainingContext): void | Promise<void>;
  onTrainEnd?(history: History, ctx: TrainingContext): void | Promise<void>;
}

export interface EarlyStoppingOptions {
  /** Quantity to watch (default: 'valLoss' when there is validation data, else 'loss'). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 0, like Keras). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (default): 'max' for accuracy-like names, else 'min'. */
  mode?: 'min' | 'max' | 'auto';
  /** Put back the weights of the best epoch when training ends (default true). */
  restoreBestWeights?: boolean;
}

/** What `EarlyStopping` must carry across a checkpoint to decide as an uninterrupted run would. */
export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  wait: number;
}

function snapshot(model: Module): StateDict {
  return noGrad(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.clone()])));
}

/**
 * Stops training when `monitor` has not improved by more than `minDelta` for `patience`
 * epochs, and restores the best epoch's weights.
 * @example
 * fit(model, data, { ..., callbacks: [new EarlyStopping({ monitor: 'valLoss', patience: 5 })] });
 */
export class EarlyStopping implements Callback {
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  monitor: string | undefined;
  best = Number.NaN;
  bestEpoch = -1;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The epoch after which it stopped training in the last run, else -1. */
  stoppedEpoch = -1;
  private bestWeights: StateDict | null = null;
  private restored = false;

  constructor(private readonly options: EarlyStoppingOptions = {}) {
    checkOptions('EarlyStopping', options, {
      monitor: true,
      patience: true,
      minDelta: true,
      mode: true,
      restoreBestWeights: true,
    });
    this.monitor = options.monitor;
    this.patience = options.patience ?? 0;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.restoreBestWeights = options.restoreBestWeights ?? true;
  }

  private get sign(): number {
    const mode = this.options.mode ?? 'auto';
    if (mode !== 'auto') return mode === 'max' ? -1 : 1;
    return /acc|auc|f1|precision|recall/i.test(this.monitor ?? '') ? -1 : 1;
  }

  /** The counters a resumed run needs (best value, its epoch, epochs waited). */
  stateDict(): EarlyStoppingState {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  /**
   * Continues from a saved `stateDict()`: the next `fit` starts with these counters instead of
   * fresh ones. Best weights are not saved; with `restoreBestWeights` only an improvement after
   * resuming is restored.
   * @example
   * const es = new EarlyStopping({ patience: 5 });
   * es.loadStateDict(saved.earlyStopping); // from a Checkpoint's state
   * fit(model, data, { ..., initialEpoch: saved.epoch, callbacks: [es] });
   */
  loadStateDict(state: EarlyStoppingState): void {
    this.best = state.best;
    this.bestEpoch = state.bestEpoch;
    this.wait = state.wait;
    this.restored = true;
  }

  onTrainBegin(): void {
    this.monitor = this.options.monitor;
    this.stoppedEpoch = -1;
    this.bestWeights = null;
    if (this.restored) {
      this.restored = false;
      return;
    }
    this.best = Number.NaN;
    this.bestEpoch = -1;
    this.wait = 0;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainingContext): void {
    this.monitor ??= 'valLoss' in logs ? 'valLoss' : 'loss';
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new OptionError(
        `EarlyStopping: monitored quantity '${this.monitor}' is not logged; available: ${Object.keys(logs).join(', ')}`,
      );
    }
    // In 'min' mode an improvement is value < best - minDelta; 'max' flips the signs.
    if (Number.isNaN(this.best) || this.sign * (value - this.best) < -this.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = snapshot(ctx.model);
      return;
    }
    if (++this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stop();
    }
  }

  onTrainEnd(history: History, ctx: TrainingContext): void {
    if (this.bestEpoch < 0) return;
    history.bestEpoch = this.bestEpoch;
    if (this.bestWeights && this.restoreBestWeights) ctx.model.loadStateDict(this.bestWeights);
  }
}
