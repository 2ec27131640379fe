/**
 * nabla — deep learning in TypeScript built around backpropagation.
 * This file is the public API; everything here runs in Node.js and in browsers.
 */
export { Tensor, type TensorLike } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export {
  tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint, randperm,
  zerosLike, onesLike, fullLike, randLike, randnLike, type TensorOptions, type RandomOptions,
} from './tensor/create.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, abs, sign, sin, cos, tanh, sigmoid, relu,
  erf, log1p, expm1, floor, ceil, round, reciprocal, clamp, where, eq, ne, lt, le, gt, ge,
} from './ops/elementwise.js';
export { sum, mean, amax, amin, argmax, argmin, variance as var, std, logsumexp, type ValuesIndices, type VarOptions } from './ops/reduce.js';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, narrow, slice, select, split, chunk, cat, stack } from './ops/movement.js';
export { gather, indexSelect } from './ops/indexing.js';
export { matmul } from './ops/matmul.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export {
  flip, roll, repeat, tile, repeatInterleave, tril, triu, maskedFill, logicalAnd, logicalOr, logicalXor, any, all,
  isclose, allclose, equal, type CloseOptions,
} from './ops/extra.js';
export { floorDivide, remainder, fmod, trunc, divide, log2, log10, type RoundingMode } from './ops/division.js';
export { mm, bmm, mv, dot, outer, trace, norm, cdist, diag } from './ops/linalg.js';
export { cumsum, cumprod, prod, sort, argsort, topk, median } from './ops/scan.js';
export { scatter, scatterAdd, nonzero, maskedSelect } from './ops/scatter.js';
export { einsum } from './ops/einsum.js';
export { empty, emptyLike, logspace, bernoulli, multinomial, normal } from './ops/sampling.js';
export {
  max, min, unbind, square, rsqrt, t, isnan, isinf, isfinite, nanToNum, unique, bincount, type NanToNumOptions, type UniqueOptions,
} from './ops/functions.js';
export { tan, atan, asin, acos, sinh, cosh, asinh, acosh, atanh, exp2, atan2 } from './ops/trig.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, detectAnomaly, setDetectAnomaly } from './autograd/grad-mode.js';
export { gradcheck, type GradcheckOptions } from './autograd/gradcheck.js';
export { grad, type BackwardOptions, type GradOptions } from './autograd/engine.js';
export { resultType } from './ops/elementwise.js';
export {
  getBackend, setBackend, jsBackend, initWasm, setNumThreads, wasmInfo,
  type Backend, type Kernels, type WasmOptions, type WasmInfo, type Window2d,
} from './backend/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * as io from './io/index.js';
