/** `nn`: layers, containers, initialisers and the functional interface. */
export { Module, type StateDict } from './module.js';
export { Parameter } from './parameter.js';
export { Linear } from './linear.js';
export { Sequential, ModuleList, ModuleDict } from './container.js';
export {
  ReLU,
  LeakyReLU,
  Sigmoid,
  Tanh,
  SiLU,
  LogSigmoid,
  GELU,
  ELU,
  Softplus,
  Hardtanh,
  ReLU6,
  Softmax,
  LogSoftmax,
  SELU,
  CELU,
  Mish,
  Hardswish,
  Hardsigmoid,
  Softsign,
  Softmin,
  GLU,
  PReLU,
  Threshold,
} from './activation.js';
export { Dropout } from './dropout.js';
export { Flatten, Identity, Unflatten } from './flatten.js';
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  NLLLoss,
  CrossEntropyLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
} from './loss.js';
export type { Reduction } from './functional/reduction.js';
export {
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  type Conv1dLayerOptions,
  type Conv2dLayerOptions,
  type ConvTranspose2dLayerOptions,
} from './conv.js';
export { Upsample } from './upsample.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, MaxPool1d, AvgPool1d, type Pool1dOptions } from './pooling.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
  GroupNorm,
  type BatchNormLayerOptions,
  type LayerNormLayerOptions,
  type GroupNormLayerOptions,
} from './normalization.js';
export { Dropout2d } from './dropout2d.js';
export { Embedding, EmbeddingBag, type EmbeddingOptions, type EmbeddingBagLayerOptions } from './embedding.js';
export { RNN, LSTM, GRU, type RNNOptions } from './rnn.js';
export {
  PackedSequence,
  packPaddedSequence,
  padPackedSequence,
  packSequence,
  padSequence,
} from './packed-sequence.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type AttentionCallOptions } from './attention.js';
export {
  TransformerEncoderLayer,
  TransformerEncoder,
  type TransformerEncoderLayerOptions,
  type EncoderCallOptions,
} from './transformer.js';
export * as init from './init.js';
export * as functional from './functional/index.js';
