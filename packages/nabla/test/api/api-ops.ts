/**
 * How a PyTorch user writes each case of scripts/fixtures/gen_api.py with nabla's public API
 * (names camelCased, same argument order and defaults). Keys match the generator's op names.
 */
import * as nb from '../../src/index.js';
import { Tensor, nn, tensor, type ValuesIndices } from '../../src/index.js';

export type Args = Record<string, unknown>;
export type Result = Tensor | ValuesIndices | Tensor[] | boolean | number;
type Op = (xs: Tensor[], a: Args) => Result;

const num = (a: Args, k: string): number => {
  const v = a[k];
  if (typeof v === 'number') return v;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`case argument ${k} is ${JSON.stringify(v)}, not a number`);
};
const opt = (a: Args, k: string): number | undefined => (a[k] === undefined || a[k] === null ? undefined : num(a, k));
const nums = (a: Args, k: string): number[] => a[k] as number[];
const bool = (a: Args, k: string): boolean => a[k] === true;
/** A `dim` argument: a number, a list, or absent. */
const dims = (a: Args): number | number[] | undefined => (a.dim === undefined || a.dim === null ? undefined : (a.dim as number | number[]));
const oneDim = (a: Args): number | undefined => opt(a, 'dim');
const keep = (a: Args): boolean => bool(a, 'keepdim');

type Unary = (x: Tensor) => Tensor;
const UNARY: Record<string, Unary> = {
  tan: (x) => x.tan(), atan: (x) => x.atan(), asin: (x) => x.asin(), acos: (x) => x.acos(), sinh: (x) => x.sinh(),
  cosh: (x) => x.cosh(), asinh: (x) => x.asinh(), acosh: (x) => x.acosh(), atanh: (x) => x.atanh(), exp2: (x) => x.exp2(),
  neg: (x) => x.neg(), exp: (x) => x.exp(), sqrt: (x) => x.sqrt(), abs: (x) => x.abs(), sign: (x) => x.sign(),
  sin: (x) => x.sin(), cos: (x) => x.cos(), tanh: (x) => x.tanh(), sigmoid: (x) => x.sigmoid(), relu: (x) => x.relu(),
  erf: (x) => x.erf(), log1p: (x) => x.log1p(), expm1: (x) => x.expm1(), floor: (x) => x.floor(), ceil: (x) => x.ceil(),
  round: (x) => x.round(), reciprocal: (x) => x.reciprocal(), rsqrt: (x) => x.rsqrt(), square: (x) => x.square(),
  log: (x) => x.log(), log2: (x) => x.log2(), log10: (x) => x.log10(),
};

type Binary = (x: Tensor, y: nb.TensorLike) => Tensor;
const BINARY: Record<string, Binary> = {
  add: (x, y) => x.add(y), sub: (x, y) => x.sub(y), mul: (x, y) => x.mul(y), div: (x, y) => x.div(y),
  pow: (x, y) => x.pow(y), maximum: (x, y) => nb.maximum(x, y), minimum: (x, y) => nb.minimum(x, y),
  eq: (x, y) => x.eq(y), ne: (x, y) => x.ne(y), lt: (x, y) => x.lt(y), le: (x, y) => x.le(y), gt: (x, y) => x.gt(y),
  ge: (x, y) => x.ge(y), floorDivide: (x, y) => x.floorDivide(y), remainder: (x, y) => x.remainder(y),
  atan2: (x, y) => x.atan2(y), logicalAnd: (x, y) => x.logicalAnd(y), logicalOr: (x, y) => x.logicalOr(y), logicalXor: (x, y) => x.logicalXor(y),
};

const REDUCE: Record<string, Op> = {
  sum: ([x], a) => (dims(a) === undefined ? x.sum() : x.sum(dims(a), keep(a))),
  mean: ([x], a) => (dims(a) === undefined ? x.mean() : x.mean(dims(a), keep(a))),
  var: ([x], a) => (dims(a) === undefined ? x.var() : x.var(dims(a), { keepdim: keep(a) })),
  std: ([x], a) => (dims(a) === undefined ? x.std() : x.std(dims(a), { keepdim: keep(a) })),
  amax: ([x], a) => (dims(a) === undefined ? x.amax() : x.amax(dims(a), keep(a))),
  prod: ([x], a) => (oneDim(a) === undefined ? x.prod() : x.prod(oneDim(a), keep(a))),
  norm: ([x], a) => (dims(a) === undefined ? x.norm() : x.norm(2, dims(a), keep(a))),
  logsumexp: ([x], a) => x.logsumexp(dims(a)!, keep(a)),
  any: ([x], a) => (dims(a) === undefined ? x.any() : x.any(dims(a), keep(a))),
  all: ([x], a) => (dims(a) === undefined ? x.all() : x.all(dims(a), keep(a))),
  varCorrection: ([x], a) => x.var(num(a, 'dim'), { correction: num(a, 'correction') }),
  varUnbiased: ([x], a) => x.var(num(a, 'dim'), { unbiased: bool(a, 'unbiased') }),
  stdUnbiased: ([x], a) => x.std(undefined, { unbiased: bool(a, 'unbiased') }),
  normP: ([x], a) => nb.norm(x, num(a, 'p'), oneDim(a)),
  argmax: ([x], a) => x.argmax(oneDim(a), keep(a)),
  argmin: ([x], a) => x.argmin(oneDim(a), keep(a)),
  maxDim: ([x], a) => x.max(num(a, 'dim'), keep(a)),
  minDim: ([x], a) => x.min(num(a, 'dim'), keep(a)),
  medianDim: ([x], a) => x.median(num(a, 'dim'), keep(a)),
  maxAll: ([x]) => x.max(),
  minAll: ([x]) => x.min(),
  medianAll: ([x]) => x.median(),
};

const SCAN: Record<string, Op> = {
  cumsum: ([x], a) => x.cumsum(num(a, 'dim')),
  cumprod: ([x], a) => nb.cumprod(x, num(a, 'dim')),
  sort: ([x], a) => x.sort(num(a, 'dim'), bool(a, 'descending')),
  argsort: ([x], a) => x.argsort(num(a, 'dim'), bool(a, 'descending')),
  sortDefault: ([x]) => x.sort(),
  topk: ([x], a) => x.topk(num(a, 'k'), num(a, 'dim'), bool(a, 'largest')),
  topkDefault: ([x], a) => x.topk(num(a, 'k')),
};

const LINALG: Record<string, Op> = {
  matmul: ([x, y]) => x.matmul(y),
  einsum: (xs, a) => nb.einsum(a.eq as string, ...xs),
  mm: ([x, y]) => nb.mm(x, y),
  bmm: ([x, y]) => x.bmm(y),
  mv: ([x, y]) => x.mv(y),
  dot: ([x, y]) => nb.dot(x, y),
  outer: ([x, y]) => x.outer(y),
  trace: ([x]) => x.trace(),
  cdist: ([x, y], a) => nb.cdist(x, y, num(a, 'p')),
  pairwiseDistance: ([x, y]) => nn.functional.pairwiseDistance(x, y),
  diag: ([x], a) => x.diag(num(a, 'diagonal')),
  linear: ([x, w, b]) => nn.functional.linear(x, w, b),
  linearNoBias: ([x, w]) => nn.functional.linear(x, w),
};

const pair = (xs: Tensor[]): [Tensor, Tensor] => [xs[0], xs[1]];
const MOVEMENT: Record<string, Op> = {
  reshape: ([x], a) => x.reshape(nums(a, 'shape')),
  view: ([x], a) => x.view(nums(a, 'shape')),
  viewT: ([x], a) => x.transpose(0, 1).view(nums(a, 'shape')),
  flatten: ([x], a) => x.flatten(num(a, 'start'), num(a, 'end')),
  squeeze: ([x]) => x.squeeze(),
  squeezeDim: ([x], a) => x.squeeze(num(a, 'dim')),
  unsqueeze: ([x], a) => x.unsqueeze(num(a, 'dim')),
  permute: ([x], a) => x.permute(nums(a, 'dims')),
  transpose: ([x], a) => x.transpose(num(a, 'a'), num(a, 'b')),
  t: ([x]) => x.t(),
  mT: ([x]) => x.mT,
  expand: ([x], a) => x.expand(nums(a, 'shape')),
  expandAs: ([x, y]) => x.expandAs(y),
  narrow: ([x], a) => x.narrow(num(a, 'dim'), num(a, 'start'), num(a, 'length')),
  select: ([x], a) => x.select(num(a, 'dim'), num(a, 'index')),
  split: ([x], a) => x.split(a.size as number | number[], num(a, 'dim')),
  chunk: ([x], a) => x.chunk(num(a, 'chunks'), num(a, 'dim')),
  cat: (xs, a) => nb.cat(pair(xs), num(a, 'dim')),
  catDefault: (xs) => nb.cat(pair(xs)),
  stack: (xs, a) => nb.stack(pair(xs), num(a, 'dim')),
  flip: ([x], a) => x.flip(nums(a, 'dims')),
  roll: ([x], a) => x.roll(a.shifts as number | number[], (a.dims ?? undefined) as number | number[] | undefined),
  repeat: ([x], a) => x.repeat(nums(a, 'sizes')),
  tile: ([x], a) => x.tile(nums(a, 'sizes')),
  repeatInterleave: ([x], a) => x.repeatInterleave(num(a, 'repeats'), num(a, 'dim')),
  repeatInterleaveFlat: ([x], a) => x.repeatInterleave(num(a, 'repeats')),
  tril: ([x], a) => x.tril(num(a, 'diagonal')),
  triu: ([x], a) => x.triu(num(a, 'diagonal')),
  gather: ([x, i], a) => x.gather(num(a, 'dim'), i),
  indexSelect: ([x, i], a) => x.indexSelect(num(a, 'dim'), i),
  softmax: ([x], a) => x.softmax(num(a, 'dim')),
  logSoftmax: ([x], a) => x.logSoftmax(num(a, 'dim')),
};

const MISC: Record<string, Op> = {
  addAlpha: ([x, y], a) => x.add(y, num(a, 'alpha')),
  subAlpha: ([x, y], a) => x.sub(y, num(a, 'alpha')),
  boolAdd: ([x, y]) => x.add(y),
  boolMul: ([x, y]) => x.mul(y),
  where: ([c, x, y]) => nb.where(c, x, y),
  whereScalar: ([c, x], a) => nb.where(c, x, num(a, 's')),
  maskedFill: ([x, m], a) => x.maskedFill(m, num(a, 'value')),
  clamp: ([x], a) => x.clamp(opt(a, 'min'), opt(a, 'max')),
  isclose: ([x, y]) => x.isclose(y),
  iscloseOpts: ([x, y], a) => nb.isclose(x, y, { rtol: num(a, 'rtol'), atol: num(a, 'atol'), equalNan: bool(a, 'equalNan') }),
  allclose: ([x, y]) => x.allclose(y),
  equal: ([x, y]) => x.equal(y),
  arange: (_, a) => {
    const [p, q, r] = nums(a, 'args');
    return q === undefined ? nb.arange(p) : nb.arange(p, q, r);
  },
  linspace: (_, a) => nb.linspace(num(a, 's'), num(a, 'e'), num(a, 'n')),
  eye: (_, a) => nb.eye(num(a, 'n'), opt(a, 'm')),
  full: (_, a) => nb.full(nums(a, 'shape'), num(a, 'value')),
  zeros: (_, a) => nb.zeros(nums(a, 'shape')),
  ones: (_, a) => nb.ones(nums(a, 'shape'), { dtype: 'float64' }),
  divScalar: ([x], a) => x.div(num(a, 's')),
  divMode: ([x, y], a) => x.div(y, { roundingMode: a.mode as nb.RoundingMode }),
  divModeScalar: ([x], a) => nb.divide(x, num(a, 's'), a.mode as nb.RoundingMode),
  fmod: ([x, y]) => x.fmod(y),
  trunc: ([x]) => x.trunc(),
  true: ([x]) => x.float(),
  toInt: ([x]) => x.int(),
  toBool: ([x]) => x.bool(),
  toDouble: ([x]) => x.double(),
  powScalar: ([x], a) => x.pow(num(a, 's')),
};

const SCATTER: Record<string, Op> = {
  scatter: ([x, i, s], a) => x.scatter(num(a, 'dim'), i, s),
  scatterScalar: ([x, i], a) => nb.scatter(x, num(a, 'dim'), i, num(a, 'value')),
  scatterAdd: ([x, i, s], a) => x.scatterAdd(num(a, 'dim'), i, s),
  nonzero: ([x]) => x.nonzero(),
  maskedSelect: ([x, m]) => x.maskedSelect(m),
  T: ([x]) => x.T,
  isnan: ([x]) => nb.isnan(x),
  isinf: ([x]) => x.isinf(),
  isfinite: ([x]) => nb.isfinite(x),
  nanToNum: ([x]) => x.nanToNum(),
  nanToNumOpts: ([x], a) => nb.nanToNum(x, { nan: num(a, 'nan'), posinf: num(a, 'posinf'), neginf: num(a, 'neginf') }),
  unique: ([x]) => nb.unique(x),
  uniqueAll: ([x]) => nb.unique(x, { returnInverse: true, returnCounts: true }),
  uniqueCounts: ([x]) => nb.unique(x, { returnCounts: true }),
  bincount: ([x], a) => nb.bincount(x, null, num(a, 'minlength')),
  bincountW: ([x, w]) => nb.bincount(x, w),
  argmaxNaN: ([x]) => x.argmax(),
  argminNaN: ([x]) => x.argmin(),
  maxAllNaN: ([x]) => x.max(),
  minAllNaN: ([x]) => x.min(),
  maximumNaN: ([x]) => nb.maximum(x, nb.full([4], 2)),
  sortDefaultNaN: ([x]) => x.sort(),
  topkDefaultNaN: ([x]) => x.topk(2),
  torchMax: ([x]) => nb.max(x),
  torchMaxDim: ([x], a) => nb.max(x, num(a, 'dim'), keep(a)),
  torchMaxOther: ([x, y]) => nb.max(x, y),
  torchMinDim: ([x], a) => nb.min(x, num(a, 'dim')),
  unbind: ([x], a) => x.unbind(num(a, 'dim')),
  maxOther: ([x, y]) => x.max(y),
  minOther: ([x, y]) => x.min(y),
};

const F = nn.functional;
const FUNCTIONAL: Record<string, Op> = {
  oneHot: ([x], a) => F.oneHot(x, num(a, 'numClasses')),
  pad: ([x], a) => F.pad(x, nums(a, 'amounts'), a.mode as nn.functional.PadMode, num(a, 'value')),
  normalize: ([x], a) => F.normalize(x, num(a, 'p'), num(a, 'dim')),
  cosineSimilarity: ([x, y], a) => F.cosineSimilarity(x, y, num(a, 'dim')),
  embedding: ([i, w]) => F.embedding(i, w),
  embeddingPad: ([i, w], a) => F.embedding(i, w, num(a, 'paddingIdx')),
  selu: ([x]) => new nn.SELU().forward(x),
  mish: ([x]) => new nn.Mish().forward(x),
  hardswish: ([x]) => new nn.Hardswish().forward(x),
  hardsigmoid: ([x]) => F.hardsigmoid(x),
  softsign: ([x]) => F.softsign(x),
  celu: ([x], a) => new nn.CELU(num(a, 'alpha')).forward(x),
  softmin: ([x], a) => new nn.Softmin(num(a, 'dim')).forward(x),
  glu: ([x], a) => F.glu(x, num(a, 'dim')),
  prelu: ([x, w]) => F.prelu(x, w),
  threshold: ([x], a) => new nn.Threshold(num(a, 't'), num(a, 'value')).forward(x),
  klDiv: ([i, t], a) => new nn.KLDivLoss({ reduction: a.reduction as nn.functional.KLDivOptions['reduction'] }).forward(i, t),
  klDivLog: ([i, t]) => F.klDiv(i, t, { reduction: 'batchmean', logTarget: true }),
  conv2d: ([x, w, b], a) => F.conv2d(x, w, b, {
    padding: a.padding as 'same', stride: opt(a, 'stride'), dilation: opt(a, 'dilation'), groups: opt(a, 'groups'),
  }),
  maxPool2d: ([x], a) => F.maxPool2d(x, num(a, 'k'), { stride: opt(a, 'stride'), padding: opt(a, 'padding'), dilation: opt(a, 'dilation'), ceilMode: bool(a, 'ceil_mode') }),
  avgPool2d: ([x], a) => F.avgPool2d(x, num(a, 'k'), {
    stride: opt(a, 'stride'), padding: opt(a, 'padding'), ceilMode: bool(a, 'ceil_mode'),
    countIncludePad: a.count_include_pad !== false, divisorOverride: opt(a, 'divisor_override'),
  }),
  adaptiveAvgPool2d: ([x], a) => F.adaptiveAvgPool2d(x, nums(a, 'size') as [number, number]),
  layerNorm: ([x, w, b], a) => F.layerNorm(x, nums(a, 'shape'), { weight: w, bias: b }),
  batchNormTrain: ([x, w, b]) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
  batchNormEval: ([x, w, b], a) => F.batchNorm(x, tensor(nums(a, 'm'), { dtype: 'float64' }), tensor(nums(a, 'v'), { dtype: 'float64' }), { weight: w, bias: b, training: false }),
  interpolate: ([x], a) => F.interpolate(x, {
    size: a.size as [number, number] | undefined, scaleFactor: opt(a, 'scale_factor'), mode: a.mode as 'nearest', alignCorners: a.align_corners as boolean | undefined,
  }),
};

function build(): Record<string, Op> {
  const ops: Record<string, Op> = { ...REDUCE, ...SCAN, ...LINALG, ...MOVEMENT, ...MISC, ...FUNCTIONAL, ...SCATTER };
  for (const [k, f] of Object.entries(UNARY)) ops[k] = ([x]) => f(x);
  for (const [k, f] of Object.entries(BINARY)) {
    ops[k] = ([x, y]) => f(x, y);
    ops[`${k}Scalar`] ??= ([x], a) => f(x, num(a, 's'));
  }
  return ops;
}

export const OPS = build();
