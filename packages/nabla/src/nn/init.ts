/**
 * Parameter initialisers with PyTorch's definitions (`torch.nn.init`). Each fills a tensor in
 * place without recording gradients and returns it.
 */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import '../ops/methods.js'; // tensors get their op methods (see tensor/methods.ts)

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

function fill(t: Tensor, sample: () => number): Tensor {
  // Leaves that require grad are written through their storage: initialisation is not an op.
  if (!t.isContiguous())
    throw new OptionError(`init: expected a contiguous tensor, got strides [${t.strides.join(', ')}]`);
  const data = t.storage.data;
  for (let i = 0; i < t.numel(); i++) data[t.offset + i] = sample();
  t.storage.version++;
  return t;
}

/** The recommended gain for a nonlinearity (`torch.nn.init.calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    default: // PyTorch raises for names it does not know, rather than guessing 1
      throw new OptionError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** `[fanIn, fanOut]` of a weight `[out, in, ...kernel]`. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2)
    throw new ShapeError(
      `fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`,
    );
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  return fill(t, () => a + (b - a) * generator.random());
}

export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  return fill(t, () => mean + std * generator.normal());
}

export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, () => value);
}

export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

export function xavierUniform_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, generator);
}

export function xavierNormal_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' }: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut);
}

const KAIMING_KEYS: OptionKeys<KaimingOptions> = { a: true, mode: true, nonlinearity: true, generator: true };

export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkOptions('kaimingUniform_', options, KAIMING_KEYS);
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options.generator);
}

export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkOptions('kaimingNormal_', options, KAIMING_KEYS);
  return normal_(t, 0, kaimingStd(t, options), options.generator);
}

/**
 * PyTorch's default initialisation of `Linear` and convolution layers: the weight
 * kaiming-uniform with a = √5, i.e. U(±1/√fanIn), and the bias U(±1/√fanIn).
 * @example
 * const fc = new Linear(4, 2);
 * layerDefault_(fc.weight, fc.bias); // re-initialises both in place
 */
export function layerDefault_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
