import { OptionError, StateError } from '../tensor/errors.js';
import { checkOptions, requireOption } from '../tensor/options.js';
import type { BaseHyper, Optimizer } from './optimizer.js';
import { fieldsOf, type LRScheduler, type Scheduler, type SchedulerStateDict } from './lr-scheduler.js';

function checkSameOptimizer(name: string, optimizer: Optimizer<BaseHyper>, schedulers: readonly LRScheduler[]): void {
  if (schedulers.length === 0) throw new OptionError(`${name}: expects at least one scheduler`);
  schedulers.forEach((s, i) => {
    if (s.optimizer !== optimizer) {
      throw new OptionError(
        `${name}: expects all schedulers to belong to the same optimizer, but the scheduler at index ${i} has a different one`,
      );
    }
  });
}

function saveChildren(self: object, schedulers: readonly LRScheduler[]): SchedulerStateDict {
  return { ...fieldsOf(self, ['optimizer', 'schedulers']), schedulers: schedulers.map((s) => s.stateDict()) };
}

function loadChildren(self: object, schedulers: readonly LRScheduler[], state: SchedulerStateDict): void {
  const { schedulers: saved, ...own } = state;
  if (!Array.isArray(saved) || saved.length !== schedulers.length) {
    throw new StateError(`loadStateDict: expected saved states for ${schedulers.length} schedulers`);
  }
  Object.assign(self, structuredClone(own));
  schedulers.forEach((s, i) => s.loadStateDict(saved[i] as SchedulerStateDict));
}

/** What `SequentialLR` and `ChainedScheduler` share: child schedulers saved and restored with them. */
abstract class SchedulerGroup implements Scheduler {
  protected lastLr: number[] = [];

  protected constructor(
    readonly optimizer: Optimizer<BaseHyper>,
    protected readonly schedulers: LRScheduler[],
  ) {}

  abstract step(): void;

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return saveChildren(this, this.schedulers);
  }

  loadStateDict(state: SchedulerStateDict): void {
    loadChildren(this, this.schedulers, state);
  }
}

/**
 * Runs schedulers one after another, switching at the milestone epochs, like PyTorch's
 * `SequentialLR`: e.g. a linear warm-up, then cosine annealing. The scheduler taking over at
 * a milestone restarts from its epoch 0 (closed form).
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cosine = new CosineAnnealingLR(opt, { TMax: 95 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 */
export class SequentialLR extends SchedulerGroup {
  lastEpoch: number;
  private readonly milestones: number[];

  constructor(
    optimizer: Optimizer<BaseHyper>,
    options: { schedulers: readonly LRScheduler[]; milestones: readonly number[]; lastEpoch?: number },
  ) {
    checkOptions('SequentialLR', options, { schedulers: true, milestones: true, lastEpoch: true });
    requireOption('SequentialLR', options, 'schedulers');
    requireOption('SequentialLR', options, 'milestones');
    const { schedulers, milestones, lastEpoch = -1 } = options;
    checkSameOptimizer('SequentialLR', optimizer, schedulers);
    super(optimizer, [...schedulers]);
    if (milestones.length !== schedulers.length - 1) {
      throw new OptionError(
        `SequentialLR: expects one more scheduler than milestones, but got ${schedulers.length} schedulers and ${milestones.length} milestones`,
      );
    }
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // Undo the first steps the schedulers took when they were built, then restart the first.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
}

/**
 * Steps several schedulers together, each multiplying the lr in turn, like PyTorch's
 * `ChainedScheduler`.
 * @example
 * const sched = new ChainedScheduler([new ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new ExponentialLR(opt, { gamma: 0.9 })]);
 */
export class ChainedScheduler extends SchedulerGroup {
  constructor(schedulers: readonly LRScheduler[]) {
    if (schedulers.length === 0) throw new OptionError('ChainedScheduler: expects at least one scheduler');
    checkSameOptimizer('ChainedScheduler', schedulers[0].optimizer, schedulers);
    super(schedulers[0].optimizer, [...schedulers]);
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
}
