import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zeros } from '../../src/index.js';
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  type LRScheduler,
  type Scheduler,
} from '../../src/optim/index.js';
import { assertClose } from '../helpers.js';
import { fixture, type SchedulerSpec } from './problem.js';

/** The fixture's optimizer: two groups with lr 0.1 and 0.01. */
function makeSgd(): SGD {
  return new SGD([{ params: [zeros([2]).requiresGrad_()] }, { params: [zeros([2]).requiresGrad_()], lr: 0.01 }], {
    lr: 0.1,
  });
}

function build(opt: SGD, spec: Omit<SchedulerSpec, 'steps' | 'lrs'>): Scheduler {
  const o = (spec.options ?? {}) as never;
  switch (spec.kind) {
    case 'StepLR':
      return new StepLR(opt, o);
    case 'MultiStepLR':
      return new MultiStepLR(opt, o);
    case 'ExponentialLR':
      return new ExponentialLR(opt, o);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, o);
    case 'LinearLR':
      return new LinearLR(opt, o);
    case 'ConstantLR':
      return new ConstantLR(opt, o);
    case 'LambdaLR':
      return new LambdaLR(opt, { lrLambda: (e) => 0.95 ** e });
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(opt, o);
    case 'SequentialLR': {
      const schedulers = spec.schedulers!.map((s) => build(opt, s) as LRScheduler);
      return new SequentialLR(opt, { schedulers, milestones: spec.milestones! });
    }
    case 'ChainedScheduler':
      return new ChainedScheduler(spec.schedulers!.map((s) => build(opt, s) as LRScheduler));
    default:
      throw new Error(`unknown scheduler ${spec.kind}`);
  }
}

function advance(s: Scheduler, spec: SchedulerSpec, i: number): void {
  if (s instanceof ReduceLROnPlateau) s.step(spec.metrics![i]);
  else (s as unknown as { step(): void }).step();
}

function label(spec: SchedulerSpec): string {
  return `${spec.kind} ${JSON.stringify(spec.options ?? spec.schedulers?.map((s) => [s.kind, s.options]) ?? {})}${spec.milestones ? ` milestones ${spec.milestones}` : ''}`;
}

describe('schedulers give PyTorch 1.13 lr sequences', () => {
  for (const spec of fixture.schedulers) {
    it(label(spec), () => {
      const opt = makeSgd();
      const s = build(opt, spec);
      const lrs = [spec.kind === 'ReduceLROnPlateau' ? opt.paramGroups.map((g) => g.lr) : s.getLastLr()];
      for (let i = 0; i < spec.steps; i++) {
        opt.step();
        advance(s, spec, i);
        lrs.push(s.getLastLr());
      }
      assertClose(lrs, spec.lrs, { rtol: 1e-12, atol: 1e-15 });
      assertClose(
        opt.paramGroups.map((g) => g.lr),
        spec.lrs[spec.steps],
        { rtol: 1e-12, atol: 1e-15 },
      );
    });
  }
});

describe('scheduler state dicts', () => {
  for (const spec of fixture.schedulers) {
    it(`resuming through JSON after 7 steps continues the same sequence: ${label(spec)}`, () => {
      const opt = makeSgd();
      const s = build(opt, spec);
      for (let i = 0; i < 7; i++) advance(s, spec, i);
      const saved = JSON.parse(JSON.stringify({ opt: opt.stateDict(), sched: s.stateDict() }));
      const opt2 = makeSgd();
      const s2 = build(opt2, spec);
      opt2.loadStateDict(saved.opt);
      s2.loadStateDict(saved.sched);
      for (let i = 7; i < spec.steps; i++) {
        advance(s2, spec, i);
        assertClose(s2.getLastLr(), spec.lrs[i + 1], { rtol: 1e-12, atol: 1e-15, message: `epoch ${i + 1}` });
      }
    });
  }
});

describe('scheduler details', () => {
  it('records initialLr in the groups and uses it as baseLrs', () => {
    const opt = makeSgd();
    const s = new StepLR(opt, { stepSize: 2 });
    assert.deepEqual(
      opt.paramGroups.map((g) => g.initialLr),
      [0.1, 0.01],
    );
    assert.deepEqual(s.baseLrs, [0.1, 0.01]);
    assert.throws(() => new StepLR(makeSgd(), { stepSize: 2, lastEpoch: 3 }), /initialLr/);
  });

  it('step(epoch) uses the closed form', () => {
    const opt = makeSgd();
    const s = new CosineAnnealingLR(opt, { TMax: 10, etaMin: 0.001 });
    s.step(5);
    assertClose(s.getLastLr()[0], 0.001 + ((0.1 - 0.001) * (1 + Math.cos(Math.PI / 2))) / 2, { rtol: 1e-14 });
    const e = new ExponentialLR(makeSgd(), { gamma: 0.5 });
    e.step(3);
    assertClose(e.getLastLr(), [0.0125, 0.00125], { rtol: 1e-14 });
  });

  it('validates arguments like PyTorch', () => {
    assert.throws(() => new LinearLR(makeSgd(), { startFactor: 1.5 }), /startFactor/);
    assert.throws(() => new ReduceLROnPlateau(makeSgd(), { factor: 1 }), /factor should be < 1.0/);
    assert.throws(() => new ReduceLROnPlateau(makeSgd(), { minLr: [0.1] }), /expected 2 minLrs/);
    const opt = makeSgd();
    const a = new LinearLR(opt);
    assert.throws(
      () => new SequentialLR(opt, { schedulers: [a], milestones: [3] }),
      /one more scheduler than milestones/,
    );
    assert.throws(
      () => new SequentialLR(opt, { schedulers: [new LinearLR(makeSgd())], milestones: [] }),
      /same optimizer/,
    );
  });

  it('ReduceLROnPlateau accepts a one-element tensor as the metric', () => {
    const opt = makeSgd();
    const s = new ReduceLROnPlateau(opt, { patience: 0 });
    s.step(zeros([]).add(1));
    s.step(zeros([1]).add(2));
    assert.deepEqual(s.getLastLr(), [0.1 * 0.1, 0.01 * 0.1]);
  });
});
