/** Op table, reductions and scans: sum … norm, max/min/median with indices, cumsum, sort, topk. */
import * as nb from '../../../src/index.js';
import { bool, dimCases, dims, keep, num, opt, opTable, s, v, type Call, type GradCase } from '../op-info.js';

const calls: Record<string, Call> = {
  sum: ([x], a) => (dims(a) === undefined ? x.sum() : x.sum(dims(a), keep(a))),
  mean: ([x], a) => (dims(a) === undefined ? x.mean() : x.mean(dims(a), keep(a))),
  var: ([x], a) => x.var(dims(a), { correction: opt(a, 'correction'), keepdim: keep(a) }),
  std: ([x], a) => x.std(dims(a), { correction: opt(a, 'correction'), keepdim: keep(a) }),
  amax: ([x], a) => (dims(a) === undefined ? x.amax() : x.amax(dims(a), keep(a))),
  amin: ([x], a) => (dims(a) === undefined ? x.amin() : x.amin(dims(a), keep(a))),
  prod: ([x], a) => (opt(a, 'dim') === undefined ? x.prod() : x.prod(opt(a, 'dim'), keep(a))),
  norm: ([x], a) => (dims(a) === undefined ? x.norm() : x.norm(2, dims(a), keep(a))),
  logsumexp: ([x], a) => x.logsumexp(dims(a)!, keep(a)),
  any: ([x], a) => (dims(a) === undefined ? x.any() : x.any(dims(a), keep(a))),
  all: ([x], a) => (dims(a) === undefined ? x.all() : x.all(dims(a), keep(a))),
  varCorrection: ([x], a) => x.var(num(a, 'dim'), { correction: num(a, 'correction') }),
  varUnbiased: ([x], a) => x.var(num(a, 'dim'), { unbiased: bool(a, 'unbiased') }),
  stdUnbiased: ([x], a) => x.std(undefined, { unbiased: bool(a, 'unbiased') }),
  normP: ([x], a) => nb.norm(x, num(a, 'p'), opt(a, 'dim')),
  argmax: ([x], a) => x.argmax(opt(a, 'dim'), keep(a)),
  argmin: ([x], a) => x.argmin(opt(a, 'dim'), keep(a)),
  maxDim: ([x], a) => x.max(num(a, 'dim'), keep(a)),
  minDim: ([x], a) => x.min(num(a, 'dim'), keep(a)),
  medianDim: ([x], a) => x.median(num(a, 'dim'), keep(a)),
  maxAll: ([x]) => x.max(),
  minAll: ([x]) => x.min(),
  medianAll: ([x]) => x.median(),
  argmaxNaN: ([x]) => x.argmax(),
  argminNaN: ([x]) => x.argmin(),
  maxAllNaN: ([x]) => x.max(),
  minAllNaN: ([x]) => x.min(),
  torchMax: ([x]) => nb.max(x),
  torchMaxDim: ([x], a) => nb.max(x, num(a, 'dim'), keep(a)),
  torchMinDim: ([x], a) => nb.min(x, num(a, 'dim')),
  cumsum: ([x], a) => x.cumsum(num(a, 'dim')),
  cumprod: ([x], a) => nb.cumprod(x, num(a, 'dim')),
  sort: ([x], a) => x.sort(num(a, 'dim'), bool(a, 'descending')),
  argsort: ([x], a) => x.argsort(num(a, 'dim'), bool(a, 'descending')),
  sortDefault: ([x]) => x.sort(),
  sortDefaultNaN: ([x]) => x.sort(),
  topk: ([x], a) => x.topk(num(a, 'k'), num(a, 'dim'), bool(a, 'largest')),
  topkDefault: ([x], a) => x.topk(num(a, 'k')),
  topkDefaultNaN: ([x]) => x.topk(2),
};

const noSize1Or0d = (cases: GradCase[]): GradCase[] =>
  cases.filter((c) => !c.name.includes('size-1') && !c.name.includes('0-d'));

const gradchecks: Record<string, GradCase[]> = {
  sum: [
    ...dimCases('sum', (x, d, k) => x.sum(d, k)),
    { name: 'sum of size-0', inputs: [s(0, 3)], fn: (x) => x.sum(0) },
  ],
  mean: dimCases('mean', (x, d, k) => x.mean(d, k)),
  amax: dimCases('amax', (x, d, k) => x.amax(d, k)),
  amin: dimCases('amin', (x, d, k) => x.amin(d, k)),
  var: [
    ...noSize1Or0d(dimCases('var', (x, d, k) => x.var(d, { keepdim: k }))),
    ...dimCases('var correction 0', (x, d, k) => x.var(d, { correction: 0, keepdim: k })).filter(
      (c) => !c.name.includes('0-d'),
    ),
  ],
  std: noSize1Or0d(dimCases('std', (x, d, k) => x.std(d, { keepdim: k }))),
  logsumexp: dimCases('logsumexp', (x, d, k) => x.logsumexp(d ?? [0, 1].slice(0, x.ndim), k)),
  maxAll: [{ name: 'max() all', inputs: [s(3, 4)], fn: (x) => x.max() }],
  minAll: [{ name: 'min() all', inputs: [s(3, 4)], fn: (x) => x.min() }],
  maxDim: [
    { name: 'max(dim 1).values', inputs: [s(3, 4)], fn: (x) => x.max(1).values },
    { name: 'max(dim 0, keepdim).values of a transpose', inputs: [s(4, 3)], fn: (x) => x.t().max(0, true).values },
  ],
  minDim: [
    { name: 'min(dim -1).values', inputs: [s(2, 3, 4)], fn: (x) => x.min(-1).values },
    { name: 'min(dim 0).values keepdim', inputs: [s(3, 2)], fn: (x) => x.min(0, true).values },
  ],
  prod: [
    { name: 'prod all', inputs: [s(2, 3)], fn: (x) => x.prod() },
    { name: 'prod dim keepdim', inputs: [s(4, 3)], fn: (x) => x.mT.prod(1, true) },
    { name: 'prod with zeros', inputs: [v([0, 2, 3, 0, 0, 1], [2, 3])], fn: (x) => x.prod(1) },
  ],
  norm: [
    { name: 'norm 2', inputs: [s(3, 4)], fn: (x) => x.norm() },
    { name: 'norm 3 dim', inputs: [s(3, 4)], fn: (x) => x.norm(3, 1, true) },
    { name: 'norm inf', inputs: [s(3, 4)], fn: (x) => x.norm(Infinity, 0) },
    { name: 'norm 1', inputs: [s(5)], fn: (x) => x.norm(1) },
  ],
  medianDim: [{ name: 'median dim', inputs: [s(3, 5)], fn: (x) => x.median(1).values }],
  cumsum: [
    { name: 'cumsum dim 1', inputs: [s(3, 4)], fn: (x) => x.cumsum(1) },
    { name: 'cumsum dim 0 on a transposed view', inputs: [s(4, 3)], fn: (x) => x.mT.cumsum(0) },
  ],
  cumprod: [
    { name: 'cumprod dim -1', inputs: [s(2, 5)], fn: (x) => x.cumprod(-1) },
    { name: 'cumprod with a zero', inputs: [v([1.5, 0, -2, 0.5])], fn: (x) => x.cumprod(0) },
  ],
  sort: [{ name: 'sort values', inputs: [s(3, 4)], fn: (x) => x.sort(1, true).values }],
  topk: [{ name: 'topk values', inputs: [s(4, 3)], fn: (x) => x.topk(2, 0).values }],
};

export const reduceOps = opTable(calls, gradchecks);
