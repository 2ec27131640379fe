import type { Tensor } from '../tensor/tensor.js';
import { dropout2d } from './functional/conv.js';
import { checkDropoutProbability } from './functional/dropout.js';
import { Module } from './module.js';

/**
 * Channel dropout (`nn.Dropout2d`): in training, zeroes whole channels of `[N, C, H, W]` with
 * probability `p` and scales the rest by `1/(1−p)`; the identity in eval mode.
 * @example
 * const drop = new Dropout2d(0.2);
 * drop.forward(randn([8, 16, 14, 14])); // some of the 8·16 channels are all zero
 */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkDropoutProbability(p, 'Dropout2d');
  }

  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
