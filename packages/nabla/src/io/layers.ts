/**
 * Model-spec entries for nabla's built-in layers and the zoo's ResNet: JSON options ↔ constructor
 * arguments. model-spec.ts imports this file, so whoever can build a model knows these types.
 */
import { OptionError } from '../tensor/errors.js';
import { type BasicBlock, ResNet } from '../models/index.js';
import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import type { Pair } from '../ops/conv.js';
import { registerLayer, type ModelSpec, type SpecValue } from './layer-registry.js';
import { buildModel, describeModel } from './model-spec.js';

type Fields = Record<string, SpecValue>;
type Ctor<M> = abstract new (...args: never[]) => M;

/** Registers `type`: exact-class match on describe (a subclass is a different model), options from `fields`. */
function layer<M extends Module>(
  type: string,
  cls: Ctor<M>,
  build: (s: ModelSpec) => M,
  fields: (m: M) => Fields = () => ({}),
): void {
  registerLayer(type, {
    build,
    describe: (m) => (m.constructor === cls ? { type, ...fields(m as M) } : null),
  });
}

function num(s: ModelSpec, key: string, fallback?: number): number {
  const v = s[key] ?? fallback;
  if (typeof v !== 'number')
    throw new OptionError(`${s.type}: option '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function pair(s: ModelSpec, key: string, fallback?: Pair): Pair {
  const v = s[key] ?? fallback;
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
    return [v[0] as number, v[1] as number];
  throw new OptionError(`${s.type}: option '${key}' must be a number or [h, w], got ${JSON.stringify(v)}`);
}

const pairJson = (p: Pair): SpecValue => (typeof p === 'number' ? p : [...p]);
const orNull = (v: number | null): number | null => v;
const dimOf = (s: ModelSpec): number | null => (s.dim === undefined || s.dim === null ? null : num(s, 'dim'));
/** Options objects of pooling layers are plain data: store them as they are. */
const plain = (o: object): Fields => JSON.parse(JSON.stringify(o)) as Fields;

registerLayer('Sequential', {
  build: (spec) => {
    if (!Array.isArray(spec.layers)) throw new OptionError(`Sequential: 'layers' must be an array of layer specs`);
    return new nn.Sequential(...spec.layers.map((l) => buildModel(l)));
  },
  describe: (m) =>
    m instanceof nn.Sequential && m.constructor === nn.Sequential
      ? { type: 'Sequential', layers: [...m].map((c) => describeModel(c)) }
      : null,
});
layer(
  'Linear',
  nn.Linear,
  (s) => new nn.Linear(num(s, 'inFeatures'), num(s, 'outFeatures'), { bias: s.bias !== false }),
  (m) => ({ inFeatures: m.inFeatures, outFeatures: m.outFeatures, ...(m.bias ? {} : { bias: false }) }),
);

for (const [type, cls] of [
  ['ReLU', nn.ReLU],
  ['Sigmoid', nn.Sigmoid],
  ['Tanh', nn.Tanh],
  ['SiLU', nn.SiLU],
  ['LogSigmoid', nn.LogSigmoid],
  ['ReLU6', nn.ReLU6],
  ['Identity', nn.Identity],
] as const) {
  layer(type, cls, () => new cls());
}
layer(
  'LeakyReLU',
  nn.LeakyReLU,
  (s) => new nn.LeakyReLU(num(s, 'negativeSlope', 0.01)),
  (m) => ({ negativeSlope: m.negativeSlope }),
);
layer(
  'ELU',
  nn.ELU,
  (s) => new nn.ELU(num(s, 'alpha', 1)),
  (m) => ({ alpha: m.alpha }),
);
layer(
  'GELU',
  nn.GELU,
  (s) => new nn.GELU({ approximate: s.approximate === 'tanh' ? 'tanh' : 'none' }),
  (m) => ({ approximate: m.approximate }),
);
layer(
  'Softplus',
  nn.Softplus,
  (s) => new nn.Softplus(num(s, 'beta', 1), num(s, 'threshold', 20)),
  (m) => ({ beta: m.beta, threshold: m.threshold }),
);
layer(
  'Hardtanh',
  nn.Hardtanh,
  (s) => new nn.Hardtanh(num(s, 'minVal', -1), num(s, 'maxVal', 1)),
  (m) => ({ minVal: m.minVal, maxVal: m.maxVal }),
);
layer(
  'Softmax',
  nn.Softmax,
  (s) => new nn.Softmax(dimOf(s)),
  (m) => ({ dim: orNull(m.dim) }),
);
layer(
  'LogSoftmax',
  nn.LogSoftmax,
  (s) => new nn.LogSoftmax(dimOf(s)),
  (m) => ({ dim: orNull(m.dim) }),
);
layer(
  'Dropout',
  nn.Dropout,
  (s) => new nn.Dropout(num(s, 'p', 0.5)),
  (m) => ({ p: m.p }),
);
layer(
  'Flatten',
  nn.Flatten,
  (s) => new nn.Flatten(num(s, 'startDim', 1), num(s, 'endDim', -1)),
  (m) => ({ startDim: m.startDim, endDim: m.endDim }),
);

layer(
  'Conv2d',
  nn.Conv2d,
  (s) =>
    new nn.Conv2d(num(s, 'inChannels'), num(s, 'outChannels'), pair(s, 'kernelSize'), {
      stride: pair(s, 'stride', 1),
      padding: s.padding === 'same' || s.padding === 'valid' ? s.padding : pair(s, 'padding', 0),
      dilation: pair(s, 'dilation', 1),
      groups: num(s, 'groups', 1),
      bias: s.bias !== false,
    }),
  (m) => ({
    inChannels: m.inChannels,
    outChannels: m.outChannels,
    kernelSize: [...m.kernelSize],
    stride: [...m.stride],
    padding: typeof m.padding === 'string' ? m.padding : [...m.padding],
    dilation: [...m.dilation],
    groups: m.groups,
    bias: m.bias !== null,
  }),
);
layer(
  'MaxPool2d',
  nn.MaxPool2d,
  (s) => new nn.MaxPool2d(pair(s, 'kernelSize'), (s.options ?? {}) as object),
  (m) => ({ kernelSize: pairJson(m.kernelSize), options: plain(m.options) }),
);
layer(
  'AvgPool2d',
  nn.AvgPool2d,
  (s) => new nn.AvgPool2d(pair(s, 'kernelSize'), (s.options ?? {}) as object),
  (m) => ({ kernelSize: pairJson(m.kernelSize), options: plain(m.options) }),
);
layer(
  'AdaptiveAvgPool2d',
  nn.AdaptiveAvgPool2d,
  (s) => new nn.AdaptiveAvgPool2d(s.outputSize as number | [number | null, number | null]),
  (m) => ({ outputSize: typeof m.outputSize === 'number' ? m.outputSize : [...m.outputSize] }),
);
function batchNorm<
  M extends nn.Module & {
    numFeatures: number;
    eps: number;
    momentum: number | null;
    affine: boolean;
    trackRunningStats: boolean;
  },
>(type: string, cls: new (n: number, o: nn.BatchNormLayerOptions) => M): void {
  layer<M>(
    type,
    cls,
    (s) =>
      new cls(num(s, 'numFeatures'), {
        eps: num(s, 'eps', 1e-5),
        momentum: s.momentum === null ? null : num(s, 'momentum', 0.1),
        affine: s.affine !== false,
        trackRunningStats: s.trackRunningStats !== false,
      }),
    (m: M) => ({
      numFeatures: m.numFeatures,
      eps: m.eps,
      momentum: m.momentum,
      affine: m.affine,
      trackRunningStats: m.trackRunningStats,
    }),
  );
}
batchNorm('BatchNorm1d', nn.BatchNorm1d);
batchNorm('BatchNorm2d', nn.BatchNorm2d);

const numbers = (s: ModelSpec, key: string): number[] => {
  const v = s[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
    throw new OptionError(`${s.type}: option '${key}' must be an array of numbers`);
  return v as number[];
};

/** A ResNet is rebuilt from its stage depths and widths, read back off the module tree. */
registerLayer('ResNet', {
  build: (s) =>
    new ResNet({
      layers: numbers(s, 'blocks'),
      widths: numbers(s, 'widths'),
      stem: s.stem === 'imagenet' ? 'imagenet' : 'cifar',
      numClasses: typeof s.numClasses === 'number' ? s.numClasses : 1000,
      inChannels: typeof s.inChannels === 'number' ? s.inChannels : 3,
    }),
  describe: (m) => {
    if (!(m instanceof ResNet) || m.constructor !== ResNet) return null;
    return {
      type: 'ResNet',
      blocks: m.stages.map((st) => st.length),
      widths: m.stages.map((st) => (st.at(0) as BasicBlock).conv2.outChannels),
      stem: m.maxpool instanceof nn.Identity ? 'cifar' : 'imagenet',
      numClasses: m.fc.outFeatures,
      inChannels: m.conv1.inChannels,
    };
  },
});
