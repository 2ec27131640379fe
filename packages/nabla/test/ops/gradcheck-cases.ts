/**
 * One table of every differentiable op, for finite-difference gradient checks. Each case names
 * its float64 inputs (shape and value range) and a function of them; non-contiguous views are
 * built inside the function so the op sees strided inputs. Inputs stay away from points where
 * the op is not differentiable (abs/relu at 0, ties of max/min, clamp bounds).
 */
import { cat, Generator, stack, tensor, Tensor, type Shape } from '../../src/index.js';
import type { GradcheckOptions } from '../../src/index.js';
import { linear } from '../../src/ops/matmul.js';

/** How an input's values are drawn. */
export type Range = 'normal' | 'positive' | 'nonzero' | 'unit';

export interface InputSpec {
  shape: Shape;
  range?: Range;
}

export interface GradCase {
  name: string;
  inputs: InputSpec[];
  fn: (...xs: Tensor[]) => Tensor;
  options?: GradcheckOptions;
}

const gen = new Generator(1234);

/** A float64 leaf that requires grad, with values drawn from `range`. */
export function makeInput({ shape, range = 'normal' }: InputSpec): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => {
    const u = gen.random();
    switch (range) {
      case 'positive': return 0.3 + 1.7 * u; // log, sqrt, reciprocal, pow base
      case 'nonzero': return (u < 0.5 ? -1 : 1) * (0.2 + gen.random()); // abs, relu, sign-sensitive
      case 'unit': return 1.6 * u - 0.8; // inside (-1, 1)
      default: return gen.normal();
    }
  });
  return Tensor.fromData(data, shape).requiresGrad_();
}

const s = (...shape: number[]): InputSpec => ({ shape });
const nz = (...shape: number[]): InputSpec => ({ shape, range: 'nonzero' });
const idx = (values: number[][] | number[]): Tensor => tensor(values, { dtype: 'int32' });

const unaryCases = (name: string, f: (x: Tensor) => Tensor, range: Range = 'normal'): GradCase[] => [
  { name: `${name} [3, 4]`, inputs: [{ shape: [3, 4], range }], fn: f },
  { name: `${name} of a transposed view`, inputs: [{ shape: [4, 3], range }], fn: (x) => f(x.t()) },
  { name: `${name} of a strided slice`, inputs: [{ shape: [6, 2], range }], fn: (x) => f(x.slice(0, 1, 6, 2)) },
  { name: `${name} 0-d`, inputs: [{ shape: [], range }], fn: f },
  { name: `${name} size-0`, inputs: [{ shape: [0, 3], range }], fn: f },
];

const binaryCases = (name: string, f: (a: Tensor, b: Tensor) => Tensor, ra: Range = 'normal', rb: Range = 'normal'): GradCase[] => [
  { name: `${name} same shape`, inputs: [{ shape: [2, 3], range: ra }, { shape: [2, 3], range: rb }], fn: f },
  { name: `${name} broadcast [2,1,3] x [4,1]`, inputs: [{ shape: [2, 1, 3], range: ra }, { shape: [4, 1], range: rb }], fn: f },
  { name: `${name} with a 0-d operand`, inputs: [{ shape: [3], range: ra }, { shape: [], range: rb }], fn: f },
  { name: `${name} of non-contiguous views`, inputs: [{ shape: [3, 2], range: ra }, { shape: [2, 6], range: rb }], fn: (a, b) => f(a.t(), b.slice(1, 0, 6, 2)) },
  { name: `${name} size-0 broadcast`, inputs: [{ shape: [0, 3], range: ra }, { shape: [3], range: rb }], fn: f },
];

export const elementwiseCases: GradCase[] = [
  ...unaryCases('neg', (x) => x.neg()),
  ...unaryCases('exp', (x) => x.exp()),
  ...unaryCases('log', (x) => x.log(), 'positive'),
  ...unaryCases('sqrt', (x) => x.sqrt(), 'positive'),
  ...unaryCases('reciprocal', (x) => x.reciprocal(), 'nonzero'),
  ...unaryCases('rsqrt', (x) => x.rsqrt(), 'positive'),
  ...unaryCases('abs', (x) => x.abs(), 'nonzero'),
  ...unaryCases('sin', (x) => x.sin()),
  ...unaryCases('cos', (x) => x.cos()),
  ...unaryCases('tanh', (x) => x.tanh()),
  ...unaryCases('sigmoid', (x) => x.sigmoid()),
  ...unaryCases('relu', (x) => x.relu(), 'nonzero'),
  ...unaryCases('erf', (x) => x.erf()),
  ...unaryCases('log1p', (x) => x.log1p(), 'positive'),
  ...unaryCases('expm1', (x) => x.expm1()),
  ...unaryCases('square', (x) => x.square()),
  ...unaryCases('pow scalar 3', (x) => x.pow(3)),
  ...unaryCases('pow scalar -1.5', (x) => x.pow(-1.5), 'positive'),
  ...unaryCases('clamp(-0.5, 0.5)', (x) => x.clamp(-0.5, 0.5), 'nonzero'),
  ...unaryCases('clamp(min 0.1)', (x) => x.clamp(0.1), 'nonzero'),
  ...unaryCases('clamp(max 0.1)', (x) => x.clamp(null, 0.1), 'nonzero'),
  ...binaryCases('add', (a, b) => a.add(b)),
  ...binaryCases('add alpha', (a, b) => a.add(b, 2.5)),
  ...binaryCases('sub', (a, b) => a.sub(b)),
  ...binaryCases('mul', (a, b) => a.mul(b)),
  ...binaryCases('div', (a, b) => a.div(b), 'normal', 'nonzero'),
  ...binaryCases('pow', (a, b) => a.pow(b), 'positive', 'normal'),
  ...binaryCases('maximum', (a, b) => a.maximum(b)),
  ...binaryCases('minimum', (a, b) => a.minimum(b)),
  ...binaryCases('where', (a, b) => a.where(a.gt(b), b)),
  { name: 'where with a broadcast condition', inputs: [s(2, 3), s(3)], fn: (a, b) => a.where(tensor([true, false, true]), b) },
  { name: 'scalar on the left: 2 - x / x', inputs: [nz(4)], fn: (x) => x.mul(-1).add(2).div(x) },
  { name: 'cast float64 -> float32 -> float64', inputs: [s(2, 3)], fn: (x) => x.to('float32').mul(x.to('float32')).to('float64'), options: { eps: 1e-2, atol: 1e-2, rtol: 1e-2 } },
  { name: 'cast a float32 result back to float64 in a mixed op', inputs: [s(3)], fn: (x) => x.float().add(x), options: { eps: 1e-2, atol: 1e-2, rtol: 1e-2 } },
];

const dimCases = (name: string, f: (x: Tensor, dim?: number | number[], keepdim?: boolean) => Tensor): GradCase[] => [
  { name: `${name} all`, inputs: [s(3, 4)], fn: (x) => f(x) },
  { name: `${name} dim 0`, inputs: [s(3, 4)], fn: (x) => f(x, 0) },
  { name: `${name} dim -1 keepdim`, inputs: [s(3, 4)], fn: (x) => f(x, -1, true) },
  { name: `${name} dims [0, 2] of a permuted view`, inputs: [s(4, 2, 3)], fn: (x) => f(x.permute(2, 0, 1), [0, 2]) },
  { name: `${name} dims [0, 2] keepdim`, inputs: [s(2, 3, 4)], fn: (x) => f(x, [0, 2], true) },
  { name: `${name} over a size-1 dim`, inputs: [s(3, 1)], fn: (x) => f(x, 1) },
  { name: `${name} 0-d`, inputs: [s()], fn: (x) => f(x) },
];

export const reduceCases: GradCase[] = [
  ...dimCases('sum', (x, d, k) => x.sum(d, k)),
  ...dimCases('mean', (x, d, k) => x.mean(d, k)),
  ...dimCases('amax', (x, d, k) => x.amax(d, k)),
  ...dimCases('amin', (x, d, k) => x.amin(d, k)),
  ...dimCases('var', (x, d, k) => x.var(d, { keepdim: k })).filter((c) => !c.name.includes('size-1') && !c.name.includes('0-d')),
  ...dimCases('var correction 0', (x, d, k) => x.var(d, { correction: 0, keepdim: k })).filter((c) => !c.name.includes('0-d')),
  ...dimCases('std', (x, d, k) => x.std(d, { keepdim: k })).filter((c) => !c.name.includes('size-1') && !c.name.includes('0-d')),
  ...dimCases('logsumexp', (x, d, k) => x.logsumexp(d ?? [0, 1].slice(0, x.ndim), k)),
  { name: 'sum of size-0', inputs: [s(0, 3)], fn: (x) => x.sum(0) },
  { name: 'max() all', inputs: [s(3, 4)], fn: (x) => x.max() },
  { name: 'min() all', inputs: [s(3, 4)], fn: (x) => x.min() },
  { name: 'max(dim 1).values', inputs: [s(3, 4)], fn: (x) => x.max(1).values },
  { name: 'max(dim 0, keepdim).values of a transpose', inputs: [s(4, 3)], fn: (x) => x.t().max(0, true).values },
  { name: 'min(dim -1).values', inputs: [s(2, 3, 4)], fn: (x) => x.min(-1).values },
  { name: 'min(dim 0).values keepdim', inputs: [s(3, 2)], fn: (x) => x.min(0, true).values },
];

export const movementCases: GradCase[] = [
  { name: 'reshape', inputs: [s(2, 6)], fn: (x) => x.reshape(3, -1, 2) },
  { name: 'reshape of a transpose (copies)', inputs: [s(3, 4)], fn: (x) => x.t().reshape(12).mul(tensor([...Array(12).keys()]).double()) },
  { name: 'view', inputs: [s(2, 6)], fn: (x) => x.view([4, 3]) },
  { name: 'reshape of a strided slice (a view, no copy)', inputs: [s(2, 3, 4)], fn: (x) => x.slice(2, 1, 3).reshape(6, 2) },
  { name: 'view of a transpose splitting a dim', inputs: [s(4, 6)], fn: (x) => x.t().view(2, 3, 4) },
  { name: 'squeeze of a transposed view', inputs: [s(3, 1, 2)], fn: (x) => x.transpose(0, 2).squeeze(1) },
  { name: 'select of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().select(0, 2) },
  { name: 'permute', inputs: [s(2, 3, 4)], fn: (x) => x.permute(2, 0, 1).mul(x.permute(2, 0, 1)) },
  { name: 'transpose', inputs: [s(2, 3, 4)], fn: (x) => x.transpose(0, 2) },
  { name: 'mT', inputs: [s(2, 3, 4)], fn: (x) => x.mT },
  { name: 'expand', inputs: [s(3, 1)], fn: (x) => x.expand(2, 3, 4) },
  { name: 'expand -1', inputs: [s(1, 4)], fn: (x) => x.expand([3, -1]) },
  { name: 'narrow', inputs: [s(5, 3)], fn: (x) => x.narrow(0, 1, 3) },
  { name: 'narrow negative start', inputs: [s(3, 5)], fn: (x) => x.narrow(1, -3, 2) },
  { name: 'slice step 2', inputs: [s(7, 2)], fn: (x) => x.slice(0, 1, undefined, 2) },
  { name: 'slice step 3 of a transpose', inputs: [s(2, 8)], fn: (x) => x.t().slice(0, -7, -1, 3) },
  { name: 'slice to size 0', inputs: [s(4, 2)], fn: (x) => x.slice(0, 3, 1) },
  { name: 'select', inputs: [s(3, 4)], fn: (x) => x.select(1, -1) },
  { name: 'squeeze all', inputs: [s(1, 3, 1)], fn: (x) => x.squeeze() },
  { name: 'squeeze dim', inputs: [s(3, 1)], fn: (x) => x.squeeze(1) },
  { name: 'unsqueeze', inputs: [s(3, 2)], fn: (x) => x.unsqueeze(1) },
  { name: 'unsqueeze of a transpose', inputs: [s(3, 2)], fn: (x) => x.t().unsqueeze(-1) },
  { name: 'flatten', inputs: [s(2, 3, 2)], fn: (x) => x.flatten(1) },
  { name: 'flatten of a permute', inputs: [s(2, 3, 2)], fn: (x) => x.permute(1, 0, 2).flatten() },
  { name: 'cat dim 0 with a size-0 piece', inputs: [s(2, 3), s(0, 3), s(1, 3)], fn: (a, b, c) => cat([a, b, c], 0) },
  { name: 'cat dim 1 of views', inputs: [s(3, 2), s(2, 3)], fn: (a, b) => cat([a.t(), b.mul(2)], 1) },
  { name: 'stack dim 1', inputs: [s(2, 3), s(2, 3)], fn: (a, b) => stack([a, b], 1) },
  { name: 'stack 0-d', inputs: [s(), s()], fn: (a, b) => stack([a, b]) },
  { name: 'split sizes, used twice', inputs: [s(5, 2)], fn: (x) => { const [p, q] = x.split([2, 3]); return cat([q, p.mul(p)]); } },
  { name: 'split by size', inputs: [s(2, 5)], fn: (x) => x.split(2, 1)[2] },
  { name: 'chunk', inputs: [s(6, 2)], fn: (x) => { const [a, b, c] = x.chunk(3); return a.mul(b).add(c); } },
  { name: 'contiguous of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().contiguous() },
  { name: 'clone', inputs: [s(3)], fn: (x) => x.clone().mul(x) },
];

export const indexingCases: GradCase[] = [
  { name: 'gather dim 1 with repeats', inputs: [s(3, 4)], fn: (x) => x.gather(1, idx([[0, 0], [3, 1], [2, 2]])) },
  { name: 'gather dim 0, smaller index', inputs: [s(4, 3)], fn: (x) => x.gather(0, idx([[3, 0], [1, 1]])) },
  { name: 'gather of a transpose, negative index', inputs: [s(4, 3)], fn: (x) => x.t().gather(1, idx([[-1], [0], [2]])) },
  { name: 'indexSelect dim 0 with repeats', inputs: [s(4, 3)], fn: (x) => x.indexSelect(0, idx([2, 0, 2])) },
  { name: 'indexSelect dim 1 of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().indexSelect(1, idx([1, 2])) },
  { name: 'indexSelect empty index', inputs: [s(4, 3)], fn: (x) => x.indexSelect(0, idx([])) },
];

export const matmulCases: GradCase[] = [
  { name: 'matmul 1-D . 1-D', inputs: [s(4), s(4)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 2-D . 1-D', inputs: [s(3, 4), s(4)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 1-D . 2-D', inputs: [s(4), s(4, 2)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 2-D . 2-D', inputs: [s(3, 4), s(4, 2)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul of transposed views', inputs: [s(4, 3), s(2, 4)], fn: (a, b) => a.t().matmul(b.t()) },
  { name: 'matmul of a strided slice', inputs: [s(6, 4), s(4, 2)], fn: (a, b) => a.slice(0, 0, 6, 2).matmul(b) },
  { name: 'matmul batched 3-D', inputs: [s(2, 3, 4), s(2, 4, 2)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul broadcast batch [2,1,3,4] . [3,4,2]', inputs: [s(2, 1, 3, 4), s(3, 4, 2)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul batched . 1-D', inputs: [s(2, 3, 4), s(4)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 1-D . batched', inputs: [s(3), s(2, 3, 4)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul batched of permuted views', inputs: [s(3, 2, 4), s(2, 2, 4)], fn: (a, b) => a.permute(1, 0, 2).matmul(b.mT) },
  { name: 'matmul size-1 dims', inputs: [s(1, 4), s(4, 1)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul inner size 0', inputs: [s(2, 0), s(0, 3)], fn: (a, b) => a.matmul(b) },
  { name: 'matmul outer size 0', inputs: [s(0, 3), s(3, 2)], fn: (a, b) => a.matmul(b) },
  { name: 'linear 2-D with bias', inputs: [s(3, 4), s(2, 4), s(2)], fn: (x, w, b) => linear(x, w, b) },
  { name: 'linear 1-D input, no bias', inputs: [s(4), s(2, 4)], fn: (x, w) => linear(x, w) },
  { name: 'linear batched 3-D input of a transpose', inputs: [s(2, 4, 3), s(5, 3), s(5)], fn: (x, w, b) => linear(x.transpose(0, 1), w, b) },
  { name: 'linear with a transposed weight view', inputs: [s(2, 3), s(3, 4)], fn: (x, w) => linear(x, w.t()) },
];

export const softmaxCases: GradCase[] = [
  { name: 'softmax dim -1', inputs: [s(3, 4)], fn: (x) => x.softmax(-1) },
  { name: 'softmax dim 0 of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().softmax(0) },
  { name: 'softmax middle dim', inputs: [s(2, 3, 2)], fn: (x) => x.softmax(1) },
  { name: 'softmax 1-D', inputs: [s(5)], fn: (x) => x.softmax(0) },
  { name: 'softmax size-1 dim', inputs: [s(3, 1)], fn: (x) => x.softmax(1) },
  { name: 'logSoftmax dim -1', inputs: [s(3, 4)], fn: (x) => x.logSoftmax(-1) },
  { name: 'logSoftmax dim 0 of a strided slice', inputs: [s(6, 3)], fn: (x) => x.slice(0, 0, 6, 2).logSoftmax(0) },
  { name: 'logSoftmax 0-d', inputs: [s()], fn: (x) => x.logSoftmax(0) },
  { name: 'logSoftmax size-0 batch', inputs: [s(0, 3)], fn: (x) => x.logSoftmax(1) },
];

export const allCases: GradCase[] = [
  ...elementwiseCases, ...reduceCases, ...movementCases, ...indexingCases, ...matmulCases, ...softmaxCases,
];
