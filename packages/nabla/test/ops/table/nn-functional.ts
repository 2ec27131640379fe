/** Op table, nn.functional: softmax, activations, padding, distances, embedding, conv, pooling, norms. */
import { nn, tensor } from '../../../src/index.js';
import { bool, num, nums, opt, opTable, s, type Call, type GradCase } from '../op-info.js';

const F = nn.functional;
const calls: Record<string, Call> = {
  softmax: ([x], a) => x.softmax(num(a, 'dim')),
  logSoftmax: ([x], a) => x.logSoftmax(num(a, 'dim')),
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

const gradchecks: Record<string, GradCase[]> = {
  softmax: [
    { name: 'softmax dim -1', inputs: [s(3, 4)], fn: (x) => x.softmax(-1) },
    { name: 'softmax dim 0 of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().softmax(0) },
    { name: 'softmax middle dim', inputs: [s(2, 3, 2)], fn: (x) => x.softmax(1) },
    { name: 'softmax 1-D', inputs: [s(5)], fn: (x) => x.softmax(0) },
    { name: 'softmax size-1 dim', inputs: [s(3, 1)], fn: (x) => x.softmax(1) },
  ],
  logSoftmax: [
    { name: 'logSoftmax dim -1', inputs: [s(3, 4)], fn: (x) => x.logSoftmax(-1) },
    { name: 'logSoftmax dim 0 of a strided slice', inputs: [s(6, 3)], fn: (x) => x.slice(0, 0, 6, 2).logSoftmax(0) },
    { name: 'logSoftmax 0-d', inputs: [s()], fn: (x) => x.logSoftmax(0) },
    { name: 'logSoftmax size-0 batch', inputs: [s(0, 3)], fn: (x) => x.logSoftmax(1) },
  ],
};

export const nnFunctionalOps = opTable(calls, gradchecks);
