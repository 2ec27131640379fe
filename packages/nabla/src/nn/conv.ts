/** Convolution layers with PyTorch's parameters, defaults and initialisation. */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import { conv1d, conv2d, pair, type Pair } from '../ops/conv.js';
import { convTranspose2d } from '../ops/conv-transpose.js';
import { formatShape } from '../tensor/shape.js';
import { empty } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { layerDefault_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface Conv2dLayerOptions {
  stride?: Pair;
  /** Zeros added on both sides; 'same' keeps the spatial size (stride 1), 'valid' adds none. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** Only 'zeros' is implemented. */
  paddingMode?: 'zeros';
}

export interface Conv1dLayerOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
  paddingMode?: 'zeros';
}

interface BaseOptions {
  groups?: number;
  bias?: boolean;
  paddingMode?: string;
}

const BASE_KEYS = { groups: true, bias: true, paddingMode: true } as const;
const CONV2D_KEYS: OptionKeys<Conv2dLayerOptions> = { ...BASE_KEYS, stride: true, padding: true, dilation: true };
const CONV1D_KEYS: OptionKeys<Conv1dLayerOptions> = CONV2D_KEYS;
const TRANSPOSE_KEYS: OptionKeys<ConvTranspose2dLayerOptions> = { ...CONV2D_KEYS, outputPadding: true };

export interface ConvTranspose2dLayerOptions {
  stride?: Pair;
  /** Crops this many rows/columns from each side of the full output. */
  padding?: Pair;
  /** Extra rows/columns on the bottom/right (must be < stride or dilation). */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  paddingMode?: 'zeros';
}

/**
 * Shared by the convolution layers: weight `[out, in / groups, ...kernel]` (transposed:
 * `[in, out / groups, ...kernel]`), bias, PyTorch's init.
 */
abstract class ConvNd extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: readonly number[],
    options: BaseOptions,
    keys: OptionKeys<BaseOptions>,
    transposed = false,
  ) {
    super();
    const name = this.constructor.name;
    checkOptions(name, options, keys);
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1)
      throw new OptionError(`${name}: groups must be a positive integer, got ${groups}`);
    if (inChannels % groups !== 0)
      throw new ShapeError(`${name}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0)
      throw new ShapeError(`${name}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    if ((options.paddingMode ?? 'zeros') !== 'zeros')
      throw new ShapeError(`${name}: paddingMode '${options.paddingMode}' is not supported (only 'zeros')`);
    this.groups = groups;
    const shape = transposed
      ? [inChannels, outChannels / groups, ...kernel]
      : [outChannels, inChannels / groups, ...kernel];
    this.weight = this.registerParameter('weight', new Parameter(empty(shape)));
    this.bias = this.registerParameter('bias', options.bias === false ? null : new Parameter(empty([outChannels])));
    this.resetParameters();
  }

  /** kaiming-uniform with a = √5 (U(±1/√fanIn)) for the weight, U(±1/√fanIn) for the bias. */
  resetParameters(): void {
    layerDefault_(this.weight, this.bias);
  }

  /** Throws an error naming the layer, the expected layout (e.g. [N, 3, H, W]) and the shape that came. */
  protected checkInput(x: Tensor, layout: readonly string[]): void {
    const n = layout.length;
    if ((x.ndim === n || x.ndim === n - 1) && x.shape[x.ndim - n + 1] === this.inChannels) return;
    const expected = layout.map((d) => (d === 'C' ? String(this.inChannels) : d));
    throw new ShapeError(
      `${this.constructor.name}(${this.inChannels}, ${this.outChannels}): expected input of shape [${expected.join(', ')}] ` +
        `(or unbatched [${expected.slice(1).join(', ')}]), got ${formatShape(x.shape)}`,
    );
  }

  protected repr(
    kernel: readonly number[],
    stride: readonly number[],
    padding: readonly number[] | string,
    dilation: readonly number[],
  ): string {
    const list = (v: readonly number[]) => `[${v.join(', ')}]`;
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${list(kernel)}, stride=${list(stride)}`];
    if (typeof padding === 'string' || padding.some((p) => p !== 0))
      parts.push(`padding=${typeof padding === 'string' ? `'${padding}'` : list(padding)}`);
    if (dilation.some((d) => d !== 1)) parts.push(`dilation=${list(dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=false');
    return parts.join(', ');
  }
}

/**
 * 2-D convolution over `[N, C, H, W]` (PyTorch's `nn.Conv2d`; weight `[out, in / groups, kH, kW]`).
 * @example
 * const conv = new Conv2d(3, 16, 3, { padding: 1 });
 * conv.forward(randn([8, 3, 32, 32])).shape; // [8, 16, 32, 32]
 */
export class Conv2d extends ConvNd {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super(inChannels, outChannels, pair(kernelSize, 'kernelSize', 'Conv2d'), options, CONV2D_KEYS);
    this.kernelSize = pair(kernelSize, 'kernelSize', 'Conv2d');
    this.stride = pair(options.stride ?? 1, 'stride', 'Conv2d');
    const p = options.padding ?? 0;
    this.padding = p === 'same' || p === 'valid' ? p : pair(p, 'padding', 'Conv2d', true);
    this.dilation = pair(options.dilation ?? 1, 'dilation', 'Conv2d');
    if (p === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1))
      throw new ShapeError("Conv2d: padding='same' is not supported for strided convolutions");
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, ['N', 'C', 'H', 'W']);
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    return this.repr(this.kernelSize, this.stride, this.padding, this.dilation);
  }
}

/**
 * 1-D convolution over `[N, C, L]` (PyTorch's `nn.Conv1d`; weight `[out, in / groups, k]`).
 * @example
 * const conv = new Conv1d(2, 8, 5, { padding: 'same' });
 * conv.forward(randn([4, 2, 100])).shape; // [4, 8, 100]
 */
export class Conv1d extends ConvNd {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dLayerOptions = {}) {
    super(inChannels, outChannels, [pair(kernelSize, 'kernelSize', 'Conv1d')[0]], options, CONV1D_KEYS);
    this.kernelSize = kernelSize;
    this.stride = pair(options.stride ?? 1, 'stride', 'Conv1d')[0];
    const p = options.padding ?? 0;
    this.padding = p === 'same' || p === 'valid' ? p : pair(p, 'padding', 'Conv1d', true)[0];
    this.dilation = pair(options.dilation ?? 1, 'dilation', 'Conv1d')[0];
    if (p === 'same' && this.stride !== 1)
      throw new ShapeError("Conv1d: padding='same' is not supported for strided convolutions");
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, ['N', 'C', 'L']);
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    const padding = typeof this.padding === 'number' ? [this.padding] : this.padding;
    return this.repr([this.kernelSize], [this.stride], padding, [this.dilation]);
  }
}

/**
 * Transposed 2-D convolution (PyTorch's `nn.ConvTranspose2d`; weight `[in, out / groups, kH, kW]`),
 * the usual learnable upsampling layer: output size `(H − 1)·stride − 2·padding +
 * dilation·(k − 1) + outputPadding + 1`.
 * @example
 * const up = new ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * up.forward(randn([2, 16, 7, 7])).shape; // [2, 8, 14, 14]
 */
export class ConvTranspose2d extends ConvNd {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvTranspose2dLayerOptions = {}) {
    super(inChannels, outChannels, pair(kernelSize, 'kernelSize', 'ConvTranspose2d'), options, TRANSPOSE_KEYS, true);
    this.kernelSize = pair(kernelSize, 'kernelSize', 'ConvTranspose2d');
    this.stride = pair(options.stride ?? 1, 'stride', 'ConvTranspose2d');
    this.padding = pair(options.padding ?? 0, 'padding', 'ConvTranspose2d', true);
    this.outputPadding = pair(options.outputPadding ?? 0, 'outputPadding', 'ConvTranspose2d', true);
    this.dilation = pair(options.dilation ?? 1, 'dilation', 'ConvTranspose2d');
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, ['N', 'C', 'H', 'W']);
    const { stride, padding, outputPadding, dilation, groups } = this;
    return convTranspose2d(x, this.weight, this.bias, { stride, padding, outputPadding, dilation, groups });
  }

  override extraRepr(): string {
    const extra = this.outputPadding.some((p) => p !== 0) ? `, outputPadding=[${this.outputPadding.join(', ')}]` : '';
    return this.repr(this.kernelSize, this.stride, this.padding, this.dilation) + extra;
  }
}
