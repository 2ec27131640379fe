/** Pooling layers (PyTorch's `nn.MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, 1-D variants). */
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import type { Pair } from '../ops/conv.js';
import {
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  type AvgPool2dOptions,
  type MaxPool2dOptions,
} from '../ops/pool.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** `kernelSize=…, stride=…, padding=…` with PyTorch's defaults filled in (stride = kernel size). */
function windowRepr(kernelSize: Pair, o: { stride?: Pair | null; padding?: Pair }): string {
  return `kernelSize=${show(kernelSize)}, stride=${show(o.stride ?? kernelSize)}, padding=${show(o.padding ?? 0)}`;
}

/** A pooling module over `pool(x, kernelSize, options)`, printed by `repr`; the public classes below extend it. */
function windowPool<K extends Pair, O extends object>(
  pool: (x: Tensor, kernelSize: K, options: O) => Tensor,
  repr: (kernelSize: K, options: O) => string,
  keys: OptionKeys<O>,
): new (
  kernelSize: K,
  options?: O,
) => Module & { readonly kernelSize: K; readonly options: O; forward(x: Tensor): Tensor } {
  return class extends Module {
    constructor(
      readonly kernelSize: K,
      readonly options: O = {} as O,
    ) {
      super();
      checkOptions<O>(this.constructor.name, options, keys);
    }

    forward(x: Tensor): Tensor {
      return pool(x, this.kernelSize, this.options);
    }

    override extraRepr(): string {
      return repr(this.kernelSize, this.options);
    }
  };
}

/**
 * Max over windows of `[N, C, H, W]`; the stride defaults to the kernel size.
 * @example
 * new MaxPool2d(2).forward(randn([8, 6, 28, 28])).shape; // [8, 6, 14, 14]
 */
export class MaxPool2d extends windowPool<Pair, MaxPool2dOptions>(
  maxPool2d,
  (k, o) => `${windowRepr(k, o)}, dilation=${show(o.dilation ?? 1)}, ceilMode=${o.ceilMode ?? false}`,
  { stride: true, padding: true, dilation: true, ceilMode: true },
) {}

/**
 * Mean over windows of `[N, C, H, W]` (padding counted in the divisor unless `countIncludePad: false`).
 * @example
 * new AvgPool2d(2).forward(randn([8, 6, 28, 28])).shape; // [8, 6, 14, 14]
 */
export class AvgPool2d extends windowPool<Pair, AvgPool2dOptions>(avgPool2d, windowRepr, {
  stride: true,
  padding: true,
  ceilMode: true,
  countIncludePad: true,
  divisorOverride: true,
}) {}

/**
 * Average pooling to a fixed output size whatever the input size; `new AdaptiveAvgPool2d(1)` is
 * global average pooling.
 * @example
 * new AdaptiveAvgPool2d(1).forward(randn([2, 512, 7, 7])).shape; // [2, 512, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

export interface Pool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
}
const POOL1D_KEYS: OptionKeys<Pool1dOptions> = { stride: true, padding: true, ceilMode: true };

/**
 * Max over windows of `[N, C, L]`.
 * @example
 * new MaxPool1d(2).forward(randn([4, 8, 100])).shape; // [4, 8, 50]
 */
export class MaxPool1d extends windowPool<number, Pool1dOptions & { dilation?: number }>(maxPool1d, windowRepr, {
  ...POOL1D_KEYS,
  dilation: true,
}) {}

/**
 * Mean over windows of `[N, C, L]`.
 * @example
 * new AvgPool1d(4).forward(randn([4, 8, 100])).shape; // [4, 8, 25]
 */
export class AvgPool1d extends windowPool<number, Pool1dOptions & { countIncludePad?: boolean }>(
  avgPool1d,
  windowRepr,
  { ...POOL1D_KEYS, countIncludePad: true },
) {}
