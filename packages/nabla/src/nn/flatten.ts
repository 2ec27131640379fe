import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Merges dims `startDim..endDim` into one; by default everything but the batch dim.
 * @example
 * new Flatten().forward(zeros([32, 1, 28, 28])).shape; // [32, 784]
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
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
