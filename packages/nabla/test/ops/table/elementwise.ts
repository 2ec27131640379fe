/** Op table, elementwise family: unary and binary math, comparisons, logic, casts, special values. */
import * as nb from '../../../src/index.js';
import { tensor, type DType, type Tensor } from '../../../src/index.js';
import { binaryCases, bool, nz, num, opt, opTable, s, unaryCases, v, type Call, type GradCase } from '../op-info.js';

type Unary = (x: Tensor) => Tensor;
const UNARY: Record<string, Unary> = {
  tan: (x) => x.tan(),
  atan: (x) => x.atan(),
  asin: (x) => x.asin(),
  acos: (x) => x.acos(),
  sinh: (x) => x.sinh(),
  cosh: (x) => x.cosh(),
  asinh: (x) => x.asinh(),
  acosh: (x) => x.acosh(),
  atanh: (x) => x.atanh(),
  exp2: (x) => x.exp2(),
  neg: (x) => x.neg(),
  exp: (x) => x.exp(),
  sqrt: (x) => x.sqrt(),
  abs: (x) => x.abs(),
  sign: (x) => x.sign(),
  sin: (x) => x.sin(),
  cos: (x) => x.cos(),
  tanh: (x) => x.tanh(),
  sigmoid: (x) => x.sigmoid(),
  relu: (x) => x.relu(),
  erf: (x) => x.erf(),
  log1p: (x) => x.log1p(),
  expm1: (x) => x.expm1(),
  floor: (x) => x.floor(),
  ceil: (x) => x.ceil(),
  round: (x) => x.round(),
  reciprocal: (x) => x.reciprocal(),
  rsqrt: (x) => x.rsqrt(),
  square: (x) => x.square(),
  log: (x) => x.log(),
  log2: (x) => x.log2(),
  log10: (x) => x.log10(),
  trunc: (x) => x.trunc(),
};

type Binary = (x: Tensor, y: nb.TensorLike) => Tensor;
const BINARY: Record<string, Binary> = {
  add: (x, y) => x.add(y),
  sub: (x, y) => x.sub(y),
  mul: (x, y) => x.mul(y),
  div: (x, y) => x.div(y),
  pow: (x, y) => x.pow(y),
  maximum: (x, y) => nb.maximum(x, y),
  minimum: (x, y) => nb.minimum(x, y),
  eq: (x, y) => x.eq(y),
  ne: (x, y) => x.ne(y),
  lt: (x, y) => x.lt(y),
  le: (x, y) => x.le(y),
  gt: (x, y) => x.gt(y),
  ge: (x, y) => x.ge(y),
  floorDivide: (x, y) => x.floorDivide(y),
  remainder: (x, y) => x.remainder(y),
  atan2: (x, y) => x.atan2(y),
  logicalAnd: (x, y) => x.logicalAnd(y),
  logicalOr: (x, y) => x.logicalOr(y),
  logicalXor: (x, y) => x.logicalXor(y),
};

const OTHER: Record<string, Call> = {
  // PyTorch's `x ** s` and `s ** x` with a Python number.
  powScalar: ([x], a) => x.pow(num(a, 's')),
  rpowScalar: ([x], a) => nb.pow(num(a, 'base'), x),
  addAlpha: ([x, y], a) => x.add(y, num(a, 'alpha')),
  subAlpha: ([x, y], a) => x.sub(y, num(a, 'alpha')),
  boolAdd: ([x, y]) => x.add(y),
  boolMul: ([x, y]) => x.mul(y),
  divScalar: ([x], a) => x.div(num(a, 's')),
  divMode: ([x, y], a) => x.div(y, { roundingMode: a.mode as nb.RoundingMode }),
  divModeScalar: ([x], a) => nb.divide(x, num(a, 's'), a.mode as nb.RoundingMode),
  fmod: ([x, y]) => x.fmod(y),
  where: ([c, x, y]) => nb.where(c, x, y),
  whereScalar: ([c, x], a) => nb.where(c, x, num(a, 's')),
  maskedFill: ([x, m], a) => x.maskedFill(m, num(a, 'value')),
  clamp: ([x], a) => x.clamp(opt(a, 'min'), opt(a, 'max')),
  isclose: ([x, y]) => x.isclose(y),
  iscloseOpts: ([x, y], a) =>
    nb.isclose(x, y, { rtol: num(a, 'rtol'), atol: num(a, 'atol'), equalNan: bool(a, 'equalNan') }),
  allclose: ([x, y]) => x.allclose(y),
  equal: ([x, y]) => x.equal(y),
  isnan: ([x]) => nb.isnan(x),
  isinf: ([x]) => x.isinf(),
  isfinite: ([x]) => nb.isfinite(x),
  nanToNum: ([x]) => x.nanToNum(),
  nanToNumOpts: ([x], a) => nb.nanToNum(x, { nan: num(a, 'nan'), posinf: num(a, 'posinf'), neginf: num(a, 'neginf') }),
  maximumNaN: ([x]) => nb.maximum(x, nb.full([4], 2)),
  torchMaxOther: ([x, y]) => nb.max(x, y),
  maxOther: ([x, y]) => x.max(y),
  minOther: ([x, y]) => x.min(y),
  cast: ([x], a) => x.to(a.to as DType),
  true: ([x]) => x.float(),
  toInt: ([x]) => x.int(),
  toBool: ([x]) => x.bool(),
  toDouble: ([x]) => x.double(),
};

const TENSOR_ONLY = new Set(['maximum', 'minimum', 'atan2', 'logicalAnd', 'logicalOr', 'logicalXor']);

function calls(): Record<string, Call> {
  const out: Record<string, Call> = { ...OTHER };
  for (const [k, f] of Object.entries(UNARY)) out[k] = ([x]) => f(x);
  for (const [k, f] of Object.entries(BINARY)) {
    out[k] = ([x, y]) => f(x, y);
    // With a Python number on the right (torch.maximum, atan2 and the logical ops take only tensors).
    if (!TENSOR_ONLY.has(k)) out[`${k}Scalar`] ??= ([x], a) => f(x, num(a, 's'));
  }
  return out;
}

const castTol = { eps: 1e-2, atol: 1e-2, rtol: 1e-2 };
const gradchecks: Record<string, GradCase[]> = {
  neg: unaryCases('neg', (x) => x.neg()),
  exp: unaryCases('exp', (x) => x.exp()),
  log: unaryCases('log', (x) => x.log(), 'positive'),
  sqrt: unaryCases('sqrt', (x) => x.sqrt(), 'positive'),
  reciprocal: unaryCases('reciprocal', (x) => x.reciprocal(), 'nonzero'),
  rsqrt: unaryCases('rsqrt', (x) => x.rsqrt(), 'positive'),
  abs: unaryCases('abs', (x) => x.abs(), 'nonzero'),
  sin: unaryCases('sin', (x) => x.sin()),
  cos: unaryCases('cos', (x) => x.cos()),
  tanh: unaryCases('tanh', (x) => x.tanh()),
  sigmoid: unaryCases('sigmoid', (x) => x.sigmoid()),
  relu: unaryCases('relu', (x) => x.relu(), 'nonzero'),
  erf: unaryCases('erf', (x) => x.erf()),
  log1p: unaryCases('log1p', (x) => x.log1p(), 'positive'),
  expm1: unaryCases('expm1', (x) => x.expm1()),
  square: unaryCases('square', (x) => x.square()),
  powScalar: [
    ...unaryCases('pow scalar 3', (x) => x.pow(3)),
    ...unaryCases('pow scalar -1.5', (x) => x.pow(-1.5), 'positive'),
  ],
  clamp: [
    ...unaryCases('clamp(-0.5, 0.5)', (x) => x.clamp(-0.5, 0.5), 'nonzero'),
    ...unaryCases('clamp(min 0.1)', (x) => x.clamp(0.1), 'nonzero'),
    ...unaryCases('clamp(max 0.1)', (x) => x.clamp(null, 0.1), 'nonzero'),
  ],
  tan: [
    {
      name: 'tan atan sinh cosh asinh (at 0 too)',
      inputs: [v([0, 0.3, -0.7, 1.1])],
      fn: (x) => x.tan().add(x.atan()).add(x.sinh()).add(x.cosh()).add(x.asinh()),
    },
  ],
  asin: [
    {
      name: 'asin acos atanh',
      inputs: [v([0, 0.3, -0.7, 0.5])],
      fn: (x) => x.asin().add(x.acos().mul(2)).add(x.atanh()),
    },
  ],
  acosh: [{ name: 'acosh exp2', inputs: [v([1.2, 2, 3.5])], fn: (x) => x.acosh().add(x.exp2()) }],
  log2: [{ name: 'log2 / log10', inputs: [s(4)], fn: (x) => x.abs().add(0.5).log2().add(x.abs().add(0.5).log10()) }],
  add: binaryCases('add', (a, b) => a.add(b)),
  addAlpha: binaryCases('add alpha', (a, b) => a.add(b, 2.5)),
  sub: [
    ...binaryCases('sub', (a, b) => a.sub(b)),
    { name: 'scalar on the left: 2 - x / x', inputs: [nz(4)], fn: (x) => x.mul(-1).add(2).div(x) },
  ],
  mul: binaryCases('mul', (a, b) => a.mul(b)),
  div: binaryCases('div', (a, b) => a.div(b), 'normal', 'nonzero'),
  pow: binaryCases('pow', (a, b) => a.pow(b), 'positive', 'normal'),
  maximum: binaryCases('maximum', (a, b) => a.maximum(b)),
  minimum: binaryCases('minimum', (a, b) => a.minimum(b)),
  remainder: [{ name: 'remainder', inputs: [s(4), v([0.7, -1.3, 2.1, 0.9])], fn: (a, b) => a.remainder(b) }],
  atan2: [{ name: 'atan2 with broadcasting', inputs: [s(2, 3), s(3)], fn: (y, x) => y.atan2(x) }],
  where: [
    ...binaryCases('where', (a, b) => a.where(a.gt(b), b)),
    {
      name: 'where with a broadcast condition',
      inputs: [s(2, 3), s(3)],
      fn: (a, b) => a.where(tensor([true, false, true]), b),
    },
  ],
  maskedFill: [{ name: 'maskedFill', inputs: [s(2, 3)], fn: (x) => x.maskedFill(tensor([true, false, true]), 2) }],
  cast: [
    {
      name: 'cast float64 -> float32 -> float64',
      inputs: [s(2, 3)],
      fn: (x) => x.to('float32').mul(x.to('float32')).to('float64'),
      options: castTol,
    },
    {
      name: 'cast a float32 result back to float64 in a mixed op',
      inputs: [s(3)],
      fn: (x) => x.float().add(x),
      options: castTol,
    },
  ],
};

export const elementwiseOps = opTable(calls(), gradchecks);
