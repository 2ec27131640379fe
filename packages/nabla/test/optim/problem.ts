/** The fixed problem of test/fixtures/optim.json and a factory for the optimizers it names. */
import { readFileSync } from 'node:fs';
import { tensor, type Tensor } from '../../src/index.js';
import {
  Adagrad,
  Adam,
  AdamW,
  RMSprop,
  SGD,
  type Optimizer,
  type BaseHyper,
  type OptimizerStateDict,
} from '../../src/optim/index.js';

type Nested = number[] | number[][];

export interface OptimizerCase {
  name: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  options: Record<string, number | boolean | number[]>;
  groups: { params: number[]; options?: Record<string, number | boolean> }[] | null;
  losses: number[];
  trajectory: number[][][];
  stateAt5: OptimizerStateDict;
}

export interface SchedulerSpec {
  kind: string;
  options?: Record<string, number | number[] | string>;
  schedulers?: SchedulerSpec[];
  milestones?: number[];
  metrics?: number[];
  steps: number;
  lrs: number[][];
}

export interface OptimFixture {
  problem: { x: number[][]; y: number[][]; w0: number[][]; b0: number[]; steps: number; resumeAt: number };
  optimizers: OptimizerCase[];
  schedulers: SchedulerSpec[];
  clip: {
    grads: { shape: number[]; data: number[] }[];
    norm: { maxNorm: number; normType: number | 'inf'; total: number; clipped: number[][] }[];
    value: { clipValue: number; clipped: number[][] };
  };
}

export const fixture: OptimFixture = JSON.parse(
  readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8'),
);

const { x, y, w0, b0 } = fixture.problem;
const X = tensor(x);
const Y = tensor(y);

/** Fresh float32 parameters [w, b] at the fixture's starting point. */
export function makeParams(): Tensor[] {
  return [tensor(w0 as Nested, { requiresGrad: true }), tensor(b0, { requiresGrad: true })];
}

/** loss = mean((x·w + b − y)²) + 0.05·Σw⁴, as in gen_optim.py. */
export function lossFn(w: Tensor, b: Tensor): Tensor {
  const r = X.matmul(w).add(b).sub(Y);
  return r.mul(r).mean().add(w.mul(w).mul(w).mul(w).sum().mul(0.05));
}

/** Builds the optimizer a fixture case describes (groups by parameter index, if any). */
export function makeOptimizer(c: OptimizerCase, params: Tensor[]): Optimizer<BaseHyper> {
  const input = c.groups
    ? c.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...(g.options ?? {}) }))
    : params;
  const o = c.options as Record<string, never>;
  switch (c.name) {
    case 'SGD':
      return c.groups ? new SGD(input as never, o) : new SGD(params, o as unknown as { lr: number });
    case 'Adam':
      return new Adam(input as never, o);
    case 'AdamW':
      return new AdamW(input as never, o);
    case 'RMSprop':
      return new RMSprop(input as never, o);
    case 'Adagrad':
      return new Adagrad(input as never, o);
  }
}

/** One training step on the fixture's loss; returns the loss value. */
export function trainStep(opt: Optimizer<BaseHyper>, params: Tensor[]): number {
  opt.zeroGrad();
  const loss = lossFn(params[0], params[1]);
  loss.backward();
  opt.step();
  return loss.item();
}

export function describeCase(c: OptimizerCase): string {
  return `${c.name}(${JSON.stringify(c.options)})${c.groups ? ` groups ${JSON.stringify(c.groups)}` : ''}`;
}
