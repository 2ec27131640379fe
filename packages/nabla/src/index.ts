/**
 * nabla — deep learning in TypeScript built around backpropagation.
 * This file is the public API; everything here runs in Node.js and in browsers.
 */
export { Tensor, type TensorLike } from './tensor/tensor.js';
export {
  NablaError,
  ShapeError,
  IndexError,
  DTypeError,
  OptionError,
  StateError,
  FormatError,
} from './tensor/errors.js';
export { checkOptions, type OptionKeys } from './tensor/options.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export { setDebugRecycling } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export {
  tensor,
  zeros,
  ones,
  full,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  randperm,
  empty,
  emptyLike,
  zerosLike,
  onesLike,
  fullLike,
  randLike,
  randnLike,
  type TensorOptions,
  type RandomOptions,
} from './tensor/create.js';
// Ops, family by family (each family module declares its functions and their Tensor methods).
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  neg,
  exp,
  log,
  sqrt,
  rsqrt,
  square,
  abs,
  sign,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  erf,
  log1p,
  expm1,
  floor,
  ceil,
  round,
  reciprocal,
  clamp,
  where,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  resultType,
} from './ops/elementwise.js';
export {
  logicalAnd,
  logicalOr,
  logicalXor,
  logicalNot,
  any,
  all,
  isnan,
  isinf,
  isfinite,
  nanToNum,
  isclose,
  allclose,
  equal,
  type CloseOptions,
  type NanToNumOptions,
} from './ops/comparison.js';
export { divide, floorDivide, remainder, fmod, trunc, type RoundingMode } from './ops/rounding.js';
export { log2, log10 } from './ops/logarithm.js';
export { tan, atan, asin, acos, sinh, cosh, asinh, acosh, atanh, exp2, atan2 } from './ops/trig.js';
export {
  sum,
  mean,
  max,
  min,
  amax,
  amin,
  argmax,
  argmin,
  variance as var,
  std,
  logsumexp,
  type ValuesIndices,
  type VarOptions,
} from './ops/reduce.js';
export { cumsum, cumprod, prod, sort, argsort, topk, median } from './ops/scan.js';
export { unique, bincount, type UniqueOptions } from './ops/counting.js';
export {
  reshape,
  flatten,
  squeeze,
  unsqueeze,
  permute,
  transpose,
  t,
  expand,
  narrow,
  slice,
  select,
  cat,
  stack,
} from './ops/movement.js';
export { split, chunk, unbind } from './ops/split.js';
export { flip, roll, repeat, tile, repeatInterleave } from './ops/rearrange.js';
export { tril, triu, maskedFill } from './ops/masking.js';
export { gather, indexSelect } from './ops/indexing.js';
export { scatter, scatterAdd, nonzero, maskedSelect } from './ops/scatter.js';
export { matmul } from './ops/matmul.js';
export { mm, bmm, mv, dot, outer, trace, norm, cdist, diag } from './ops/linalg.js';
export { einsum } from './ops/einsum.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { logspace, bernoulli, multinomial, normal } from './ops/sampling.js';
export {
  noGrad,
  enableGrad,
  isGradEnabled,
  setGradEnabled,
  detectAnomaly,
  setDetectAnomaly,
} from './autograd/grad-mode.js';
export { gradcheck, gradgradcheck, type GradcheckOptions } from './autograd/gradcheck.js';
export { grad, type BackwardOptions, type GradOptions } from './autograd/engine.js';
export {
  AutogradFunction,
  customFunction,
  FunctionCtx,
  type FunctionDefinition,
  type FunctionGradients,
  type FunctionOutput,
} from './autograd/function.js';
export {
  getBackend,
  setBackend,
  jsBackend,
  initWasm,
  setNumThreads,
  wasmInfo,
  backendInfo,
  type BackendInfo,
  type Backend,
  type Kernels,
  type WasmOptions,
  type WasmInfo,
  type Window2d,
} from './backend/index.js';
export { ready, type ReadyInfo } from './backend/ready.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './continual/index.js';
export * as io from './io/index.js';
