import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { linear } from '../ops/matmul.js';
import { empty } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { layerDefault_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * Fully connected layer `y = x·Wᵀ + b`, with PyTorch's default initialisation
 * (weight: kaiming-uniform with a = √5, i.e. U(±1/√in); bias: U(±1/√in)).
 * @example
 * const fc = new Linear(784, 10);
 * const logits = fc.forward(randn([32, 784])); // [32, 10]
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean } = {},
  ) {
    super();
    checkOptions('Linear', options, { bias: true });
    if (![inFeatures, outFeatures].every((n) => Number.isInteger(n) && n >= 0)) {
      throw new OptionError(
        `Linear: inFeatures and outFeatures must be non-negative integers, got ${inFeatures} and ${outFeatures}`,
      );
    }
    this.weight = this.registerParameter('weight', new Parameter(empty([outFeatures, inFeatures])));
    this.bias = this.registerParameter('bias', options.bias === false ? null : new Parameter(empty([outFeatures])));
    this.resetParameters();
  }

  resetParameters(): void {
    layerDefault_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
