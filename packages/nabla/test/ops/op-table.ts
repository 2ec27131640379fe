/**
 * nabla's side of the PyTorch fixtures: op name -> call, mirroring OPS in
 * scripts/fixtures/gen_ops.py. Arguments arrive as the JSON the generator wrote.
 */
import { cat, pow, stack, tensor, type DType, type Tensor } from '../../src/index.js';
import { linear } from '../../src/ops/matmul.js';

export type Args = Record<string, unknown>;
type OpFn = (xs: Tensor[], a: Args) => Tensor;

const num = (a: Args, key: string): number => a[key] as number;
const opt = (a: Args, key: string): number | undefined => (a[key] === null ? undefined : (a[key] as number | undefined));
const dims = (a: Args): number | number[] | undefined => (a.dim === null ? undefined : (a.dim as number | number[] | undefined));
const keep = (a: Args): boolean => (a.keepdim as boolean | undefined) ?? false;
const index = (a: Args): Tensor => tensor(a.index as number[], { dtype: 'int32' });
const unary = (f: (x: Tensor) => Tensor): OpFn => ([x]) => f(x);
const binary = (f: (a: Tensor, b: Tensor) => Tensor): OpFn => ([a, b]) => f(a, b);

export const OPS: Record<string, OpFn> = {
  neg: unary((x) => x.neg()),
  exp: unary((x) => x.exp()),
  log: unary((x) => x.log()),
  sqrt: unary((x) => x.sqrt()),
  rsqrt: unary((x) => x.rsqrt()),
  reciprocal: unary((x) => x.reciprocal()),
  abs: unary((x) => x.abs()),
  sin: unary((x) => x.sin()),
  cos: unary((x) => x.cos()),
  tanh: unary((x) => x.tanh()),
  sigmoid: unary((x) => x.sigmoid()),
  relu: unary((x) => x.relu()),
  erf: unary((x) => x.erf()),
  log1p: unary((x) => x.log1p()),
  expm1: unary((x) => x.expm1()),
  square: unary((x) => x.square()),
  sign: unary((x) => x.sign()),
  floor: unary((x) => x.floor()),
  ceil: unary((x) => x.ceil()),
  round: unary((x) => x.round()),
  powScalar: ([x], a) => x.pow(num(a, 'exponent')),
  rpowScalar: ([x], a) => pow(num(a, 'base'), x),
  clamp: ([x], a) => x.clamp(opt(a, 'min'), opt(a, 'max')),
  add: binary((p, q) => p.add(q)),
  sub: binary((p, q) => p.sub(q)),
  mul: binary((p, q) => p.mul(q)),
  div: binary((p, q) => p.div(q)),
  pow: binary((p, q) => p.pow(q)),
  addAlpha: ([p, q], a) => p.add(q, num(a, 'alpha')),
  maximum: binary((p, q) => p.maximum(q)),
  minimum: binary((p, q) => p.minimum(q)),
  where: ([p, q], a) => p.where(tensor(a.cond as boolean[]), q),
  sum: ([x], a) => x.sum(dims(a), keep(a)),
  mean: ([x], a) => x.mean(dims(a), keep(a)),
  amax: ([x], a) => x.amax(dims(a), keep(a)),
  amin: ([x], a) => x.amin(dims(a), keep(a)),
  maxAll: unary((x) => x.max()),
  minAll: unary((x) => x.min()),
  maxDim: ([x], a) => x.max(num(a, 'dim'), keep(a)).values,
  minDim: ([x], a) => x.min(num(a, 'dim'), keep(a)).values,
  argmax: ([x], a) => x.argmax(num(a, 'dim'), keep(a)),
  var: ([x], a) => x.var(dims(a), { correction: opt(a, 'correction'), keepdim: keep(a) }),
  std: ([x], a) => x.std(dims(a), { correction: opt(a, 'correction'), keepdim: keep(a) }),
  logsumexp: ([x], a) => x.logsumexp(a.dim as number | number[], keep(a)),
  reshape: ([x], a) => x.reshape(a.shape as number[]),
  permute: ([x], a) => x.permute(a.dims as number[]),
  transpose: ([x], a) => x.transpose(num(a, 'dim0'), num(a, 'dim1')),
  expand: ([x], a) => x.expand(a.shape as number[]),
  narrow: ([x], a) => x.narrow(num(a, 'dim'), num(a, 'start'), num(a, 'length')),
  slice: ([x], a) => x.slice(num(a, 'dim'), opt(a, 'start'), opt(a, 'end'), num(a, 'step')),
  select: ([x], a) => x.select(num(a, 'dim'), num(a, 'index')),
  squeeze: ([x], a) => x.squeeze(opt(a, 'dim')),
  unsqueeze: ([x], a) => x.unsqueeze(num(a, 'dim')),
  flatten: ([x], a) => x.flatten(opt(a, 'start'), opt(a, 'end')),
  cat: (xs, a) => cat(xs, num(a, 'dim')),
  stack: (xs, a) => stack(xs, num(a, 'dim')),
  split: ([x], a) => x.split(a.size as number | number[], num(a, 'dim'))[num(a, 'index')],
  chunk: ([x], a) => x.chunk(num(a, 'chunks'), num(a, 'dim'))[num(a, 'index')],
  contiguous: unary((x) => x.contiguous()),
  gather: ([x], a) => x.gather(num(a, 'dim'), tensor(a.index as number[][], { dtype: 'int32' })),
  indexSelect: ([x], a) => x.indexSelect(num(a, 'dim'), index(a)),
  matmul: binary((p, q) => p.matmul(q)),
  linear: ([x, w, b]) => linear(x, w, b),
  softmax: ([x], a) => x.softmax(num(a, 'dim')),
  logSoftmax: ([x], a) => x.logSoftmax(num(a, 'dim')),
  cast: ([x], a) => x.to(a.to as DType),
};

/** Applies the generator's input view ('t': swap the last two dims, 'step': every other row). */
export function applyView(x: Tensor, how: string | null): Tensor {
  if (how === 't') return x.transpose(-2, -1);
  if (how === 'step') return x.slice(0, undefined, undefined, 2);
  return x;
}
