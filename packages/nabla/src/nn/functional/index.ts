/** `nn.functional`: every layer, activation and loss as a function. */
export {
  relu, leakyRelu, sigmoid, tanh, silu, gelu, elu, softplus, hardtanh, relu6, softmax, logSoftmax, logSigmoid,
  type GeluApproximate,
} from './activation.js';
export { dropout } from './dropout.js';
export { linear } from '../../ops/matmul.js';
export { mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, type BCEOptions, type BCEWithLogitsOptions } from './loss.js';
export { nllLoss, crossEntropy, type NLLLossOptions, type CrossEntropyOptions } from './cross-entropy.js';
export type { Reduction, ReductionOptions } from './reduction.js';
export * from './conv.js';
export { oneHot, pad, normalize, cosineSimilarity, pairwiseDistance, embedding, type PadMode } from './extra.js';
export { selu, celu, mish, hardswish, hardsigmoid, softsign, softmin, glu, prelu, threshold, klDiv, type KLDivOptions } from './activation-extra.js';
