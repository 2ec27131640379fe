/** More of PyTorch 1.13's schedulers: MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts, OneCycleLR. */
import { OptionError } from '../tensor/errors.js';
import { checkOptions, requireOption } from '../tensor/options.js';
import { LRScheduler } from './lr-scheduler.js';
import type { BaseHyper, Optimizer } from './optimizer.js';

/**
 * Multiplies the lr by `lrLambda(epoch)` at every step after the first.
 * @example
 * const sched = new MultiplicativeLR(opt, { lrLambda: () => 0.95 });
 */
export class MultiplicativeLR extends LRScheduler {
  private readonly lrLambda: (epoch: number) => number;

  constructor(optimizer: Optimizer<BaseHyper>, options: { lrLambda: (epoch: number) => number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    checkOptions('MultiplicativeLR', options, { lrLambda: true, lastEpoch: true });
    this.lrLambda = requireOption('MultiplicativeLR', options, 'lrLambda');
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.lastEpoch > 0 ? this.groupLrs(this.lrLambda(this.lastEpoch)) : this.groupLrs();
  }
}

/**
 * Decays the lr to 0 over `totalIters` (5) steps as (1 − t/T)^power (power 1).
 * @example
 * const sched = new PolynomialLR(opt, { totalIters: 100, power: 2 });
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(
    optimizer: Optimizer<BaseHyper>,
    options: { totalIters?: number; power?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, options.lastEpoch);
    checkOptions('PolynomialLR', options, { totalIters: true, power: true, lastEpoch: true });
    this.totalIters = options.totalIters ?? 5;
    this.power = options.power ?? 1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const [t, T] = [this.lastEpoch, this.totalIters];
    if (t === 0 || t > T) return this.groupLrs();
    return this.groupLrs(((1 - t / T) / (1 - (t - 1) / T)) ** this.power);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}

/**
 * Cosine annealing from the base lr to `etaMin` over `T0` steps, restarting each period, the
 * period growing by `TMult` (SGDR), like `CosineAnnealingWarmRestarts`.
 * @example
 * const sched = new CosineAnnealingWarmRestarts(opt, { T0: 10, TMult: 2 });
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  TMult: number;
  etaMin: number;
  TI: number;
  TCur: number;

  constructor(
    optimizer: Optimizer<BaseHyper>,
    options: { T0: number; TMult?: number; etaMin?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    checkOptions('CosineAnnealingWarmRestarts', options, { T0: true, TMult: true, etaMin: true, lastEpoch: true });
    requireOption('CosineAnnealingWarmRestarts', options, 'T0');
    const { T0, TMult = 1, etaMin = 0 } = options;
    if (!Number.isInteger(T0) || T0 <= 0)
      throw new OptionError(`CosineAnnealingWarmRestarts: expected a positive integer T0, got ${T0}`);
    if (!Number.isInteger(TMult) || TMult < 1)
      throw new OptionError(`CosineAnnealingWarmRestarts: expected an integer TMult >= 1, got ${TMult}`);
    [this.T0, this.TMult, this.etaMin, this.TI, this.TCur] = [T0, TMult, etaMin, T0, this.lastEpoch];
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map(
      (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.TCur) / this.TI))) / 2,
    );
  }

  /** Advances one step, or jumps to (possibly fractional) `epoch`, as PyTorch's `step(epoch)`. */
  override step(epoch?: number): void {
    this.stepCount += 1;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.TCur += 1;
      if (this.TCur >= this.TI) [this.TCur, this.TI] = [this.TCur - this.TI, this.TI * this.TMult];
    } else if (epoch < 0) {
      throw new OptionError(`CosineAnnealingWarmRestarts: expected a non-negative epoch, got ${epoch}`);
    } else if (epoch >= this.T0) {
      if (this.TMult === 1) this.TCur = epoch % this.T0;
      else {
        const n = Math.floor(Math.log((epoch / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
        this.TCur = epoch - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
        this.TI = this.T0 * this.TMult ** n;
      }
    } else [this.TI, this.TCur] = [this.T0, epoch];
    this.lastEpoch = Math.floor(epoch);
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLr = [...lrs];
  }
}
