/** ONNX emitters for nabla's built-in layers beyond Linear/Sequential (activations, conv, pooling, batch norm). */
import * as nn from '../nn/index.js';
import type { Pair } from '../ops/conv.js';
import { ones, zeros } from '../tensor/create.js';
import { registerOnnxEmitter, type OnnxAttr } from './onnx.js';

const ints = (value: number[]): OnnxAttr => ({ kind: 'ints', value });
const int = (value: number): OnnxAttr => ({ kind: 'int', value });
const float = (value: number): OnnxAttr => ({ kind: 'float', value });
const two = (p: Pair | null | undefined, fallback: readonly [number, number]): [number, number] =>
  p === null || p === undefined ? [...fallback] : typeof p === 'number' ? [p, p] : [p[0], p[1]];
/** ONNX pads are [top, left, bottom, right]. */
const symmetric = ([h, w]: [number, number]): number[] => [h, w, h, w];

registerOnnxEmitter((m, x, g) => {
  if (m instanceof nn.LeakyReLU) return g.node('LeakyRelu', [x], { alpha: float(m.negativeSlope) });
  if (m instanceof nn.ELU) return g.node('Elu', [x], { alpha: float(m.alpha) });
  if (m instanceof nn.SiLU) return g.node('Mul', [x, g.node('Sigmoid', [x])]);
  if (m instanceof nn.Softmax || m instanceof nn.LogSoftmax) {
    // PyTorch's implicit dim is 1 for the usual [N, C] input; a model file should name it.
    return g.node(m instanceof nn.Softmax ? 'Softmax' : 'LogSoftmax', [x], { axis: int(m.dim ?? 1) });
  }
  if (m instanceof nn.Flatten) {
    if (m.endDim !== -1)
      throw new Error(`exportOnnx: Flatten(endDim=${m.endDim}) has no ONNX equivalent (only endDim -1)`);
    return g.node('Flatten', [x], { axis: int(m.startDim) });
  }
  return null;
});

registerOnnxEmitter((m, x, g) => {
  if (m instanceof nn.Hardtanh) return g.node('Clip', [x, g.constant(m.minVal), g.constant(m.maxVal)]);
  if (m instanceof nn.ReLU6) return g.node('Clip', [x, g.constant(0), g.constant(6)]);
  if (m instanceof nn.LogSigmoid) return g.node('Neg', [g.node('Softplus', [g.node('Neg', [x])])]);
  if (m instanceof nn.Softplus) {
    // softplus(beta x) / beta; PyTorch's linear region above `threshold` differs by < 1e-8 there.
    if (m.beta === 1) return g.node('Softplus', [x]);
    return g.node('Div', [g.node('Softplus', [g.node('Mul', [x, g.constant(m.beta)])]), g.constant(m.beta)]);
  }
  if (m instanceof nn.GELU) {
    if (m.approximate !== 'none')
      throw new Error("exportOnnx: GELU(approximate='tanh') is not exported; use the exact GELU");
    // x/2 * (1 + erf(x / sqrt 2)), as ONNX opset 17 has no Gelu op.
    const erf = g.node('Erf', [g.node('Div', [x, g.constant(Math.SQRT2)])]);
    return g.node('Mul', [g.node('Mul', [x, g.constant(0.5)]), g.node('Add', [erf, g.constant(1)])]);
  }
  return null;
});

registerOnnxEmitter((m, x, g, prefix) => {
  if (!(m instanceof nn.Conv2d)) return null;
  const [kh, kw] = m.kernelSize;
  let pads: number[];
  if (m.padding === 'valid') pads = [0, 0, 0, 0];
  else if (m.padding === 'same') {
    // PyTorch puts the odd extra pixel of 'same' padding at the bottom/right.
    const [th, tw] = [m.dilation[0] * (kh - 1), m.dilation[1] * (kw - 1)];
    pads = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
  } else pads = symmetric(m.padding);
  const inputs = [x, g.weight(`${prefix}weight`, m.weight)];
  if (m.bias) inputs.push(g.weight(`${prefix}bias`, m.bias));
  return g.node('Conv', inputs, {
    kernel_shape: ints([kh, kw]),
    strides: ints([...m.stride]),
    pads: ints(pads),
    dilations: ints([...m.dilation]),
    group: int(m.groups),
  });
});

registerOnnxEmitter((m, x, g) => {
  if (m instanceof nn.MaxPool2d) {
    const k = two(m.kernelSize, [1, 1]);
    const o = m.options;
    return g.node('MaxPool', [x], {
      kernel_shape: ints(k),
      strides: ints(two(o.stride, k)),
      pads: ints(symmetric(two(o.padding, [0, 0]))),
      dilations: ints(two(o.dilation, [1, 1])),
      ceil_mode: int(o.ceilMode ? 1 : 0),
    });
  }
  if (m instanceof nn.AvgPool2d) {
    const k = two(m.kernelSize, [1, 1]);
    const o = m.options;
    if (o.divisorOverride) throw new Error('exportOnnx: AvgPool2d with divisorOverride has no ONNX equivalent');
    return g.node('AveragePool', [x], {
      kernel_shape: ints(k),
      strides: ints(two(o.stride, k)),
      pads: ints(symmetric(two(o.padding, [0, 0]))),
      ceil_mode: int(o.ceilMode ? 1 : 0),
      count_include_pad: int(o.countIncludePad === false ? 0 : 1),
    });
  }
  if (m instanceof nn.AdaptiveAvgPool2d) {
    const size = m.outputSize;
    if (size !== 1 && !(Array.isArray(size) && size[0] === 1 && size[1] === 1)) {
      throw new Error(
        `exportOnnx: AdaptiveAvgPool2d(${JSON.stringify(size)}) is only exported for output size 1 (GlobalAveragePool)`,
      );
    }
    return g.node('GlobalAveragePool', [x]);
  }
  return null;
});

registerOnnxEmitter((m, x, g, prefix) => {
  if (!(m instanceof nn.BatchNorm2d || m instanceof nn.BatchNorm1d)) return null;
  const mean = m.getBuffer('running_mean');
  const variance = m.getBuffer('running_var');
  if (!mean || !variance)
    throw new Error(
      `exportOnnx: ${m.constructor.name} at '${prefix}' has no running statistics (trackRunningStats: false)`,
    );
  const c = m.numFeatures;
  const scale = m.weight ? g.weight(`${prefix}weight`, m.weight) : g.weight(`${prefix}weight`, ones([c]));
  const bias = m.bias ? g.weight(`${prefix}bias`, m.bias) : g.weight(`${prefix}bias`, zeros([c]));
  const inputs = [x, scale, bias, g.weight(`${prefix}running_mean`, mean), g.weight(`${prefix}running_var`, variance)];
  return g.node('BatchNormalization', inputs, { epsilon: float(m.eps) });
});
