/** Op table, nn.functional: softmax, activations, padding, distances, embedding, conv, pooling, norms. */
import { nn, tensor, type Tensor } from '../../../src/index.js';
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
  klDiv: ([i, t], a) =>
    new nn.KLDivLoss({ reduction: a.reduction as nn.functional.KLDivOptions['reduction'] }).forward(i, t),
  klDivLog: ([i, t]) => F.klDiv(i, t, { reduction: 'batchmean', logTarget: true }),
  conv2d: ([x, w, b], a) =>
    F.conv2d(x, w, b, {
      padding: a.padding as 'same',
      stride: opt(a, 'stride'),
      dilation: opt(a, 'dilation'),
      groups: opt(a, 'groups'),
    }),
  maxPool2d: ([x], a) =>
    F.maxPool2d(x, num(a, 'k'), {
      stride: opt(a, 'stride'),
      padding: opt(a, 'padding'),
      dilation: opt(a, 'dilation'),
      ceilMode: bool(a, 'ceil_mode'),
    }),
  avgPool2d: ([x], a) =>
    F.avgPool2d(x, num(a, 'k'), {
      stride: opt(a, 'stride'),
      padding: opt(a, 'padding'),
      ceilMode: bool(a, 'ceil_mode'),
      countIncludePad: a.count_include_pad !== false,
      divisorOverride: opt(a, 'divisor_override'),
    }),
  adaptiveAvgPool2d: ([x], a) => F.adaptiveAvgPool2d(x, nums(a, 'size') as [number, number]),
  layerNorm: ([x, w, b], a) => F.layerNorm(x, nums(a, 'shape'), { weight: w, bias: b }),
  batchNormTrain: ([x, w, b]) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
  batchNormEval: ([x, w, b], a) =>
    F.batchNorm(x, tensor(nums(a, 'm'), { dtype: 'float64' }), tensor(nums(a, 'v'), { dtype: 'float64' }), {
      weight: w,
      bias: b,
      training: false,
    }),
  interpolate: ([x], a) =>
    F.interpolate(x, {
      size: a.size as [number, number] | undefined,
      scaleFactor: opt(a, 'scale_factor'),
      mode: a.mode as 'nearest',
      alignCorners: a.align_corners as boolean | undefined,
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

/** [input shape, weight shape, options, bias?]: stride/padding/dilation/groups combinations, odd sizes. */
const CONV2D: [number[], number[], nn.functional.Conv2dOptions, boolean][] = [
  [[1, 1, 5, 5], [1, 1, 3, 3], {}, true],
  [[2, 3, 7, 6], [4, 3, 3, 2], { stride: 2 }, true],
  [[2, 2, 6, 7], [3, 2, 3, 3], { padding: [2, 1], stride: [1, 3] }, false],
  [[1, 2, 9, 7], [2, 2, 3, 2], { dilation: [2, 3], padding: 1 }, true],
  [[2, 4, 5, 5], [6, 2, 3, 3], { groups: 2, padding: 1, stride: 2 }, true],
  [[1, 3, 5, 4], [3, 1, 2, 2], { groups: 3, dilation: 2, padding: 'same' }, false],
  [[2, 2, 5, 6], [2, 2, 4, 3], { padding: 'same' }, true],
  [[1, 2, 4, 4], [4, 2, 1, 1], { stride: 3 }, true],
  [[1, 1, 3, 3], [2, 1, 5, 5], { padding: 2, stride: 2, dilation: 1 }, true],
  // 1×1, stride 1, no padding: the input is used as its own columns.
  [[2, 4, 3, 5], [6, 2, 1, 1], { groups: 2 }, true],
  [[1, 3, 4, 4], [5, 3, 1, 1], {}, false],
];

/** A [2, 2, 7, 5] input: random normal values keep max pooling away from ties. */
const pooled = (name: string, fn: (x: Tensor) => Tensor): GradCase => ({ name, inputs: [s(2, 2, 7, 5)], fn });
const runningMean = tensor([0.1, -0.3, 0.5], { dtype: 'float64' });
const runningVar = tensor([0.7, 1.2, 0.9], { dtype: 'float64' });

const convGradchecks: Record<string, GradCase[]> = {
  conv2d: [
    ...CONV2D.map(
      ([xs, ws, o, bias]): GradCase => ({
        name: `conv2d x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(o)}${bias ? ' +bias' : ''}`,
        inputs: [s(...xs), s(...ws), ...(bias ? [s(ws[0])] : [])],
        fn: (x, w, b) => F.conv2d(x, w, b ?? null, o),
      }),
    ),
    {
      name: 'conv2d of a non-contiguous (permuted) input',
      inputs: [s(2, 5, 6, 3), s(2, 3, 2, 2)],
      fn: (x, w) => F.conv2d(x.permute(0, 3, 1, 2), w, null, { padding: 1 }),
    },
    {
      name: 'conv2d of an unbatched input view',
      inputs: [s(2, 5, 6, 3), s(2, 3, 2, 2)],
      fn: (x, w) => F.conv2d(x.select(0, 1).permute(2, 0, 1), w),
    },
  ],
  conv1d: [
    {
      name: 'conv1d stride/padding/dilation/groups',
      inputs: [s(2, 4, 11), s(6, 2, 3), s(6)],
      fn: (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }),
    },
  ],
  convTranspose2d: [
    {
      name: 'convTranspose2d stride/padding/outputPadding/groups',
      inputs: [s(2, 4, 3, 4), s(4, 3, 3, 2), s(6)],
      fn: (x, w, b) =>
        F.convTranspose2d(x, w, b, {
          stride: [2, 3],
          padding: [1, 0],
          outputPadding: [1, 2],
          dilation: [1, 1],
          groups: 2,
        }),
    },
    {
      name: 'convTranspose2d dilation 2',
      inputs: [s(1, 2, 3, 3), s(2, 1, 3, 3)],
      fn: (x, w) => F.convTranspose2d(x, w, null, { dilation: 2, padding: 1 }),
    },
  ],
  interpolate: [
    { name: 'interpolate nearest up', inputs: [s(1, 2, 3, 5)], fn: (x) => F.interpolate(x, { scaleFactor: 2 }) },
    { name: 'interpolate nearest to a size', inputs: [s(1, 2, 3, 5)], fn: (x) => F.interpolate(x, { size: [2, 7] }) },
    {
      name: 'interpolate bilinear down/up',
      inputs: [s(1, 2, 3, 5)],
      fn: (x) => F.interpolate(x, { size: [5, 3], mode: 'bilinear' }),
    },
    {
      name: 'interpolate bilinear alignCorners',
      inputs: [s(1, 2, 3, 5)],
      fn: (x) => F.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }),
    },
  ],
  maxPool2d: [
    pooled('maxPool2d k2', (x) => F.maxPool2d(x, 2)),
    pooled('maxPool2d k3 s2 p1 ceil', (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true })),
    pooled('maxPool2d k[2,3] dilation 2', (x) => F.maxPool2d(x, [2, 3], { stride: 1, dilation: 2 })),
  ],
  avgPool2d: [
    pooled('avgPool2d k3 s2 p1', (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1 })),
    pooled('avgPool2d k3 s2 p1 ceil, no pad count', (x) =>
      F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    ),
    pooled('avgPool2d divisor 5', (x) => F.avgPool2d(x, [2, 1], { divisorOverride: 5 })),
  ],
  adaptiveAvgPool2d: [
    pooled('adaptiveAvgPool2d 1', (x) => F.adaptiveAvgPool2d(x, 1)),
    pooled('adaptiveAvgPool2d [3, 2] unequal', (x) => F.adaptiveAvgPool2d(x, [3, 2])),
  ],
  batchNormTrain: [
    {
      name: 'batchNorm training (batch statistics)',
      inputs: [s(4, 3, 3, 2), s(3), s(3)],
      fn: (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
    },
    {
      name: 'batchNorm training without the affine, [N, C]',
      inputs: [s(5, 2)],
      fn: (x) => F.batchNorm(x, null, null, { training: true }),
    },
  ],
  batchNormEval: [
    {
      name: 'batchNorm eval (running statistics)',
      inputs: [s(4, 3, 3, 2), s(3), s(3)],
      fn: (x, w, b) => F.batchNorm(x, runningMean, runningVar, { weight: w, bias: b }),
    },
  ],
  groupNorm: [
    {
      name: 'groupNorm with the affine',
      inputs: [s(2, 4, 3, 2), s(4), s(4)],
      fn: (x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }),
    },
    { name: 'groupNorm without the affine', inputs: [s(3, 6, 2)], fn: (x) => F.groupNorm(x, 3) },
  ],
  layerNorm: [
    {
      name: 'layerNorm over one trailing dim',
      inputs: [s(3, 4), s(4), s(4)],
      fn: (x, w, b) => F.layerNorm(x, [4], { weight: w, bias: b }),
    },
    { name: 'layerNorm over two trailing dims', inputs: [s(2, 2, 3)], fn: (x) => F.layerNorm(x, [2, 3]) },
  ],
};

export const nnFunctionalOps = opTable(calls, { ...gradchecks, ...convGradchecks });
