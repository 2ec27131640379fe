import { noGrad } from '../autograd/grad-mode.js';
import type { Module, StateDict } from '../nn/module.js';
import type { EpochLogs, History } from './history.js';

/** The smallest optimizer `fit` can drive (every `optim` optimizer is one). */
export interface OptimizerLike {
  zeroGrad(): void;
  step(): unknown;
  readonly paramGroups?: readonly { lr: number }[];
}

/** What callbacks see and can do while `fit` runs. */
export interface TrainingContext {
  readonly model: Module;
  readonly optimizer: OptimizerLike;
  readonly history: History;
  /** Ends training after the current batch (its epoch is logged, cut short). */
  stop(): void;
  readonly stopRequested: boolean;
}

/**
 * Hooks into `fit`; every member is optional.
 * @example
 * const printer: Callback = { onEpochEnd: (e, logs) => console.log(e, logs.loss) };
 * const stopAtLoss: Callback = { onBatchEnd: (b, logs, ctx) => { if (logs.loss < 1e-3) ctx.stop(); } };
 */
export interface Callback {
  onTrainBegin?(ctx: TrainingContext): void;
  onEpochBegin?(epoch: number, ctx: TrainingContext): void;
  /** After each optimizer step; `logs.loss` is the batch's loss, `logs.size` its sample count. */
  onBatchEnd?(batch: number, logs: { loss: number; size: number }, ctx: TrainingContext): void;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainingContext): void;
  onTrainEnd?(history: History, ctx: TrainingContext): void;
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
  private wait = 0;
  private bestWeights: StateDict | null = null;

  constructor(private readonly options: EarlyStoppingOptions = {}) {
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

  onTrainBegin(): void {
    this.monitor = this.options.monitor;
    this.best = Number.NaN;
    this.bestEpoch = -1;
    this.wait = 0;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainingContext): void {
    this.monitor ??= 'valLoss' in logs ? 'valLoss' : 'loss';
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new Error(`EarlyStopping: monitored quantity '${this.monitor}' is not logged; available: ${Object.keys(logs).join(', ')}`);
    }
    // In 'min' mode an improvement is value < best - minDelta; 'max' flips the signs.
    if (Number.isNaN(this.best) || this.sign * (value - this.best) < -this.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = snapshot(ctx.model);
      return;
    }
    if (++this.wait >= this.patience) ctx.stop();
  }

  onTrainEnd(history: History, ctx: TrainingContext): void {
    if (this.bestEpoch < 0) return;
    history.bestEpoch = this.bestEpoch;
    if (this.bestWeights) ctx.model.loadStateDict(this.bestWeights);
  }
}
