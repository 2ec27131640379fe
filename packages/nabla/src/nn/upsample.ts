import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { interpolate, type InterpolateOptions } from '../ops/upsample.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Resizes `[N, C, H, W]` images (PyTorch's `nn.Upsample`): give `size` or `scaleFactor`; mode
 * 'nearest' (default) or 'bilinear' (`alignCorners`, default false).
 * @example
 * new Upsample({ scaleFactor: 2 }).forward(randn([1, 8, 7, 7])).shape; // [1, 8, 14, 14]
 */
export class Upsample extends Module {
  constructor(readonly options: InterpolateOptions) {
    super();
    checkOptions('Upsample', options, { size: true, scaleFactor: true, mode: true, alignCorners: true });
    if ((options.size === undefined) === (options.scaleFactor === undefined))
      throw new OptionError('Upsample: give exactly one of size and scaleFactor');
  }

  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }

  override extraRepr(): string {
    const { size, scaleFactor, mode = 'nearest' } = this.options;
    const show = (v: unknown) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
    return `${size !== undefined ? `size=${show(size)}` : `scaleFactor=${show(scaleFactor)}`}, mode='${mode}'`;
  }
}
