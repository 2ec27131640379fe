import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { BaseHyper, Optimizer } from './optimizer.js';
import { fieldsOf, type Scheduler, type SchedulerStateDict } from './lr-scheduler.js';

/** Options of `ReduceLROnPlateau`, PyTorch's names in camelCase with its defaults. */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | readonly number[];
  eps?: number;
}

/**
 * Multiplies the lr by `factor` when a metric has not improved for more than `patience`
 * epochs, like PyTorch's `ReduceLROnPlateau` (defaults: mode 'min', factor 0.1, patience 10,
 * threshold 1e-4 relative, cooldown 0, minLr 0, eps 1e-8).
 * @example
 * const sched = new ReduceLROnPlateau(opt, { patience: 5 });
 * for (const epoch of epochs) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau implements Scheduler {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  /** Best metric so far (±Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    readonly optimizer: Optimizer<BaseHyper>,
    options: ReduceLROnPlateauOptions = {},
  ) {
    checkOptions('ReduceLROnPlateau', options, {
      mode: true,
      factor: true,
      patience: true,
      threshold: true,
      thresholdMode: true,
      cooldown: true,
      minLr: true,
      eps: true,
    });
    const {
      mode = 'min',
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = 'rel',
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    } = options;
    if (factor >= 1) throw new OptionError(`ReduceLROnPlateau: factor should be < 1.0, got ${factor}`);
    if (mode !== 'min' && mode !== 'max')
      throw new OptionError(`ReduceLROnPlateau: mode ${String(mode)} is unknown (expected 'min' or 'max')`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs')
      throw new OptionError(
        `ReduceLROnPlateau: threshold mode ${String(thresholdMode)} is unknown (expected 'rel' or 'abs')`,
      );
    const groups = optimizer.paramGroups.length;
    if (typeof minLr !== 'number' && minLr.length !== groups)
      throw new OptionError(`ReduceLROnPlateau: expected ${groups} minLrs (one per group), got ${minLr.length}`);
    this.minLrs = typeof minLr === 'number' ? new Array<number>(groups).fill(minLr) : [...minLr];
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.best = this.modeWorse();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Records one epoch's metric (a number, or a one-element tensor's `item()`). */
  step(metric: number | { item(): number }): void {
    const current = typeof metric === 'number' ? metric : metric.item();
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
      if (g.lr - newLr > this.eps) g.lr = newLr;
    });
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Fields as JSON-safe values (an infinite `best` is saved as null). */
  stateDict(): SchedulerStateDict {
    const state = fieldsOf(this, ['optimizer']);
    if (Math.abs(this.best) === Infinity) state.best = null;
    return state;
  }

  loadStateDict(state: SchedulerStateDict): void {
    Object.assign(this, structuredClone(state));
    if ((this.best as number | null) === null) this.best = this.modeWorse();
  }
}
