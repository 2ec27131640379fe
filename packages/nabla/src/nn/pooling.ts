/** Pooling layers (PyTorch's `nn.MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, 1-D variants). */
import type { Pair } from '../ops/conv.js';
import { adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from '../ops/pool.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/**
 * Max over windows of `[N, C, H, W]`; the stride defaults to the kernel size.
 * @example
 * new MaxPool2d(2).forward(randn([8, 6, 28, 28])).shape; // [8, 6, 14, 14]
 */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: MaxPool2dOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernelSize=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceilMode=${o.ceilMode ?? false}`;
  }
}

/**
 * Mean over windows of `[N, C, H, W]` (padding counted in the divisor unless `countIncludePad: false`).
 * @example
 * new AvgPool2d(2).forward(randn([8, 6, 28, 28])).shape; // [8, 6, 14, 14]
 */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: AvgPool2dOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernelSize=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}`;
  }
}

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

/**
 * Max over windows of `[N, C, L]`.
 * @example
 * new MaxPool1d(2).forward(randn([4, 8, 100])).shape; // [4, 8, 50]
 */
export class MaxPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: Pool1dOptions & { dilation?: number } = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.options.stride ?? this.kernelSize}, padding=${this.options.padding ?? 0}`;
  }
}

/**
 * Mean over windows of `[N, C, L]`.
 * @example
 * new AvgPool1d(4).forward(randn([4, 8, 100])).shape; // [4, 8, 25]
 */
export class AvgPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: Pool1dOptions & { countIncludePad?: boolean } = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.options.stride ?? this.kernelSize}, padding=${this.options.padding ?? 0}`;
  }
}
