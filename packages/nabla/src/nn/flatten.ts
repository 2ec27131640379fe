import { IndexError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Merges dims `startDim..endDim` into one; by default everything but the batch dim.
 * @example
 * new Flatten().forward(zeros([32, 1, 28, 28])).shape; // [32, 784]
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Returns its input unchanged; a placeholder where a layer is optional.
 * @example
 * const norm = useNorm ? new BatchNorm1d(64) : new Identity();
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * Splits dim `dim` into `sizes` (the inverse of Flatten), like `torch.nn.Unflatten`.
 * @example
 * new Unflatten(1, [2, 3]).forward(zeros([4, 6])).shape; // [4, 2, 3]
 */
export class Unflatten extends Module {
  constructor(
    readonly dim: number,
    readonly sizes: readonly number[],
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (d < 0 || d >= x.ndim)
      throw new IndexError(`Unflatten: dim ${this.dim} is out of range for shape [${x.shape.join(', ')}]`);
    return x.reshape([...x.shape.slice(0, d), ...this.sizes, ...x.shape.slice(d + 1)]);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.sizes.join(', ')}]`;
  }
}
