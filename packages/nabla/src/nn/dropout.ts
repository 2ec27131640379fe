import { checkOptions } from '../tensor/options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDropoutProbability, dropout } from './functional/dropout.js';
import { Module } from './module.js';

/**
 * Inverted dropout: while training, zeroes each element with probability `p` and scales the rest
 * by `1/(1−p)`; after `eval()` it passes its input through unchanged. Masks come from the seeded
 * default generator (see `manualSeed`) unless `generator` is given.
 * @example
 * const drop = new Dropout(0.2);
 * drop.forward(x);        // training: about 20% zeros, the rest ×1.25
 * drop.eval().forward(x); // x itself
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator;

  constructor(p = 0.5, options: { generator?: Generator } = {}) {
    super();
    checkOptions('Dropout', options, { generator: true });
    checkDropoutProbability(p, 'Dropout');
    this.p = p;
    this.generator = options.generator ?? defaultGenerator;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
