/** OneCycleLR: PyTorch 1.13's 1cycle policy (lr up then down, momentum the other way), stepped per batch. */
import { OptionError, StateError } from '../tensor/errors.js';
import { checkOptions, requireOption } from '../tensor/options.js';
import { LRScheduler } from './lr-scheduler.js';
import type { BaseHyper, Optimizer } from './optimizer.js';

export interface OneCycleLROptions {
  maxLr: number | readonly number[];
  /** Total number of steps, or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  lr: [keyof Anchors, keyof Anchors];
  momentum: [keyof Anchors, keyof Anchors];
}
interface Anchors {
  initial: number;
  max: number;
  min: number;
  baseMomentum: number;
  maxMomentum: number;
}

const perGroup = (v: number | readonly number[], n: number, name: string): number[] => {
  if (typeof v === 'number') return Array<number>(n).fill(v);
  if (v.length !== n) throw new OptionError(`OneCycleLR: expected ${n} values for ${name}, got ${v.length}`);
  return [...v];
};

/**
 * The 1cycle policy: lr from maxLr/divFactor up to maxLr over `pctStart` of the steps, then
 * (cosine by default) down to initial/finalDivFactor; with `cycleMomentum`, the optimizer's
 * `momentum` (or Adam's β1) moves inversely between maxMomentum and baseMomentum.
 * @example
 * const sched = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 1000 }); // sched.step() after every batch
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  phases: Phase[];
  anchors: Anchors[];

  constructor(optimizer: Optimizer<BaseHyper>, options: OneCycleLROptions) {
    checkOptions('OneCycleLR', options, {
      maxLr: true,
      totalSteps: true,
      epochs: true,
      stepsPerEpoch: true,
      pctStart: true,
      annealStrategy: true,
      cycleMomentum: true,
      baseMomentum: true,
      maxMomentum: true,
      divFactor: true,
      finalDivFactor: true,
      threePhase: true,
      lastEpoch: true,
    });
    requireOption('OneCycleLR', options, 'maxLr');
    const n = optimizer.paramGroups.length;
    const {
      pctStart = 0.3,
      annealStrategy = 'cos',
      cycleMomentum = true,
      divFactor = 25,
      finalDivFactor = 1e4,
      threePhase = false,
      lastEpoch = -1,
    } = options;
    const total =
      options.totalSteps ??
      (options.epochs !== undefined && options.stepsPerEpoch !== undefined
        ? options.epochs * options.stepsPerEpoch
        : NaN);
    if (!Number.isInteger(total) || total <= 0)
      throw new OptionError(
        `OneCycleLR: give a positive integer totalSteps, or epochs and stepsPerEpoch (got ${total})`,
      );
    if (!(pctStart >= 0 && pctStart <= 1))
      throw new OptionError(`OneCycleLR: expected pctStart in [0, 1], got ${pctStart}`);
    const maxLrs = perGroup(options.maxLr, n, 'maxLr');
    const base = perGroup(options.baseMomentum ?? 0.85, n, 'baseMomentum');
    const top = perGroup(options.maxMomentum ?? 0.95, n, 'maxMomentum');
    const useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum && !useBeta1 && !('momentum' in optimizer.defaults)) {
      throw new OptionError('OneCycleLR: optimizer must support momentum or betas with cycleMomentum enabled');
    }
    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        if (cycleMomentum) setMomentum(g, top[i], useBeta1);
      });
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.anchors = maxLrs.map((m, i) => ({
      initial: m / divFactor,
      max: m,
      min: m / divFactor / finalDivFactor,
      baseMomentum: base[i],
      maxMomentum: top[i],
    }));
    const up = pctStart * total - 1;
    this.phases = threePhase
      ? [
          { endStep: up, lr: ['initial', 'max'], momentum: ['maxMomentum', 'baseMomentum'] },
          { endStep: 2 * pctStart * total - 2, lr: ['max', 'initial'], momentum: ['baseMomentum', 'maxMomentum'] },
          { endStep: total - 1, lr: ['initial', 'min'], momentum: ['maxMomentum', 'maxMomentum'] },
        ]
      : [
          { endStep: up, lr: ['initial', 'max'], momentum: ['maxMomentum', 'baseMomentum'] },
          { endStep: total - 1, lr: ['max', 'min'], momentum: ['baseMomentum', 'maxMomentum'] },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new StateError(`OneCycleLR: tried to step ${step} times, but totalSteps is ${this.totalSteps}`);
    }
    return this.optimizer.paramGroups.map((g, i) => {
      const a = this.anchors[i];
      let start = 0;
      for (const [k, phase] of this.phases.entries()) {
        if (step <= phase.endStep || k === this.phases.length - 1) {
          const pct = (step - start) / (phase.endStep - start);
          if (this.cycleMomentum)
            setMomentum(g, this.anneal(a[phase.momentum[0]], a[phase.momentum[1]], pct), this.useBeta1);
          return this.anneal(a[phase.lr[0]], a[phase.lr[1]], pct);
        }
        start = phase.endStep;
      }
      return g.lr;
    });
  }
}

/** Sets a group's momentum, or β1 of its `betas`. */
function setMomentum(group: BaseHyper, value: number, useBeta1: boolean): void {
  const g = group as BaseHyper & { momentum?: number; betas?: readonly number[] };
  if (useBeta1) g.betas = [value, ...(g.betas ?? [0.999]).slice(1)];
  else g.momentum = value;
}
