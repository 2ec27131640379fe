/**
 * Learning-rate schedulers with PyTorch 1.13's semantics: `step()` uses the chainable
 * (recursive) form, which multiplies each group's current lr, so schedulers can be combined;
 * `step(epoch)` uses the closed form where PyTorch has one. Construction performs the first
 * step (epoch 0), as in PyTorch.
 */
import { OptionError, StateError } from '../tensor/errors.js';
import { checkOptions, requireOption } from '../tensor/options.js';
import type { BaseHyper, Optimizer } from './optimizer.js';

/** A scheduler's state: its fields as plain JSON values (PyTorch: `__dict__` minus the optimizer). */
export type SchedulerStateDict = Record<string, unknown>;

/** What every scheduler offers. */
export interface Scheduler {
  readonly optimizer: Optimizer<BaseHyper>;
  getLastLr(): number[];
  stateDict(): SchedulerStateDict;
  loadStateDict(state: SchedulerStateDict): void;
}

/** Python's `%` (the result has the divisor's sign). */
/** `value` if it is a finite number, else an OptionError naming the scheduler and the option. */
export function finiteOption(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new OptionError(`${owner}: option '${name}' must be a finite number, got ${String(value)}`);
  return value;
}

export function pyMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** Own fields of `obj` except `skip` and functions, deep-copied (PyTorch's `state_dict()` of a scheduler). */
export function fieldsOf(obj: object, skip: readonly string[]): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [k, v] of Object.entries(obj)) {
    if (skip.includes(k) || typeof v === 'function') continue;
    out[k] = structuredClone(v);
  }
  return out;
}

/**
 * Base of epoch-driven schedulers (PyTorch's `_LRScheduler`). Subclasses set their own fields,
 * then call `initialStep()` at the end of their constructor.
 */
export abstract class LRScheduler implements Scheduler {
  /** Each group's lr when scheduling started (`initialLr`). */
  baseLrs: number[];
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(
    readonly optimizer: Optimizer<BaseHyper>,
    lastEpoch = -1,
  ) {
    optimizer.paramGroups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined) {
        throw new StateError(
          `param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer (lastEpoch=${lastEpoch})`,
        );
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The lrs for `lastEpoch`, from the groups' current lrs (chainable form). */
  protected abstract getLr(): number[];

  /** The lrs for `lastEpoch` from `baseLrs` alone, where a closed form exists. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** @internal Resets the step count and takes the first step, as at construction. */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * Advances one epoch and sets every group's lr. Passing `epoch` (deprecated in PyTorch)
   * jumps there using the closed form when there is one.
   */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr of each group as last set by this scheduler. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  protected groupLrs(scale = 1): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr * scale);
  }

  stateDict(): SchedulerStateDict {
    return fieldsOf(this, ['optimizer']);
  }

  loadStateDict(state: SchedulerStateDict): void {
    Object.assign(this, structuredClone(state));
  }
}

/**
 * Multiplies the lr by `gamma` every `stepSize` epochs.
 * @example
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // call sched.step() once per epoch
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer<BaseHyper>, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    // A bare number (PyTorch's positional step_size) or a missing stepSize would silently never decay.
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) {
      throw new OptionError(
        `StepLR: options.stepSize must be a positive integer, got ${JSON.stringify(options.stepSize ?? options)}; use new StepLR(opt, { stepSize, gamma })`,
      );
    }
    checkOptions('StepLR', options, { stepSize: true, gamma: true, lastEpoch: true });
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || pyMod(this.lastEpoch, this.stepSize) !== 0) return this.groupLrs();
    return this.groupLrs(this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Multiplies the lr by `gamma` at each milestone epoch (a milestone listed twice applies twice).
 * @example
 * const sched = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Milestones in increasing order, repeats kept. */
  milestones: number[];
  gamma: number;

  constructor(
    optimizer: Optimizer<BaseHyper>,
    options: { milestones: readonly number[]; gamma?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    checkOptions('MultiStepLR', options, { milestones: true, gamma: true, lastEpoch: true });
    if (!Array.isArray(requireOption('MultiStepLR', options, 'milestones')))
      throw new OptionError(`MultiStepLR: milestones must be an array of epochs, got ${String(options.milestones)}`);
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groupLrs();
    return this.groupLrs(this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/**
 * Multiplies the lr by `factor` until epoch `totalIters`, then restores it.
 * @example
 * const warm = new ConstantLR(opt, { factor: 0.5, totalIters: 4 });
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(
    optimizer: Optimizer<BaseHyper>,
    options: { factor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, options.lastEpoch);
    checkOptions('ConstantLR', options, { factor: true, totalIters: true, lastEpoch: true });
    this.factor = options.factor ?? 1 / 3;
    this.totalIters = options.totalIters ?? 5;
    if (this.factor > 1 || this.factor < 0)
      throw new OptionError(`ConstantLR: factor expected to be between 0 and 1, got ${this.factor}`);
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs(this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groupLrs();
    return this.groupLrs(1 / this.factor);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/**
 * Scales the lr linearly from `startFactor`·lr to `endFactor`·lr over `totalIters` epochs
 * (linear warm-up with the defaults 1/3 → 1 over 5).
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(
    optimizer: Optimizer<BaseHyper>,
    options: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, options.lastEpoch);
    checkOptions('LinearLR', options, { startFactor: true, endFactor: true, totalIters: true, lastEpoch: true });
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor < 0)
      throw new OptionError(`LinearLR: startFactor expected to be between 0 and 1, got ${this.startFactor}`);
    if (this.endFactor > 1 || this.endFactor < 0)
      throw new OptionError(`LinearLR: endFactor expected to be between 0 and 1, got ${this.endFactor}`);
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs(this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groupLrs();
    const delta = this.endFactor - this.startFactor;
    return this.groupLrs(1 + delta / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * delta));
  }

  protected override closedFormLr(): number[] {
    const t = Math.min(this.totalIters, this.lastEpoch);
    return this.baseLrs.map(
      (b) => b * (this.startFactor + ((this.endFactor - this.startFactor) * t) / this.totalIters),
    );
  }
}

/**
 * Multiplies the lr by `gamma` every epoch.
 * @example
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer<BaseHyper>, options: { gamma: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    checkOptions('ExponentialLR', options, { gamma: true, lastEpoch: true });
    this.gamma = finiteOption('ExponentialLR', 'gamma', requireOption('ExponentialLR', options, 'gamma'));
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.lastEpoch === 0 ? this.groupLrs() : this.groupLrs(this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the initial lr down to `etaMin` over `TMax` epochs (and back up after,
 * as PyTorch's recursive form does), computed as PyTorch 1.13 computes it.
 * @example
 * const sched = new CosineAnnealingLR(opt, { TMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer<BaseHyper>, options: { TMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    checkOptions('CosineAnnealingLR', options, { TMax: true, etaMin: true, lastEpoch: true });
    // TMax undefined or 0 would make every lr NaN (cos(e·π/TMax)).
    this.TMax = finiteOption('CosineAnnealingLR', 'TMax', requireOption('CosineAnnealingLR', options, 'TMax'));
    if (!(this.TMax > 0)) throw new OptionError(`CosineAnnealingLR: TMax must be positive, got ${this.TMax}`);
    this.etaMin = finiteOption('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, TMax: T, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return this.groupLrs();
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2,
    );
  }
}

/**
 * Sets each group's lr to its initial lr times `lrLambda(epoch)` (one function, or one per group).
 * @example
 * const sched = new LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
 */
export class LambdaLR extends LRScheduler {
  private readonly lrLambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: Optimizer<BaseHyper>,
    options: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    checkOptions('LambdaLR', options, { lrLambda: true, lastEpoch: true });
    requireOption('LambdaLR', options, 'lrLambda');
    const n = optimizer.paramGroups.length;
    const fns = Array.isArray(options.lrLambda)
      ? options.lrLambda
      : new Array<(e: number) => number>(n).fill(options.lrLambda);
    if (fns.length !== n)
      throw new OptionError(`LambdaLR: expected ${n} lrLambdas (one per parameter group), but got ${fns.length}`);
    this.lrLambdas = fns;
    this.initialStep();
  }

  override stateDict(): SchedulerStateDict {
    return fieldsOf(this, ['optimizer', 'lrLambdas']);
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }
}
