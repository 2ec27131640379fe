/** `nn.functional`: every layer, activation and loss as a function. */
export {
  relu,
  leakyRelu,
  sigmoid,
  tanh,
  silu,
  gelu,
  elu,
  softplus,
  hardtanh,
  relu6,
  softmax,
  logSoftmax,
  logSigmoid,
  selu,
  celu,
  mish,
  hardswish,
  hardsigmoid,
  softsign,
  softmin,
  glu,
  prelu,
  threshold,
  type GeluApproximate,
} from './activation.js';
export { dropout } from './dropout.js';
export { linear } from '../../ops/matmul.js';
export {
  mseLoss,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
  type BCEOptions,
  type BCEWithLogitsOptions,
  type KLDivOptions,
} from './loss.js';
export { nllLoss, crossEntropy, type NLLLossOptions, type CrossEntropyOptions } from './cross-entropy.js';
export type { Reduction, ReductionOptions } from './reduction.js';
export * from './conv.js';
export { embedding, embeddingBag, oneHot, type EmbeddingBagOptions } from './embedding.js';
export { pad, type PadMode } from './padding.js';
export { normalize, cosineSimilarity, pairwiseDistance } from './distance.js';
