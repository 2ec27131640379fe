import { randn } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { embedding } from './functional/embedding.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { noGrad } from '../autograd/grad-mode.js';

export interface EmbeddingOptions {
  /** A row that stays zero-initialised and receives no gradient (e.g. the padding token). */
  paddingIdx?: number;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1) like
 * `torch.nn.Embedding` (the `paddingIdx` row zeroed).
 * @example
 * const emb = new Embedding(10, 4, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], { dtype: 'int32' })).shape; // [1, 3, 4]
 */
export class Embedding extends Module {
  readonly weight: Parameter;
  readonly paddingIdx: number | undefined;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    if (![numEmbeddings, embeddingDim].every((n) => Number.isInteger(n) && n >= 0)) {
      throw new RangeError(
        `Embedding: numEmbeddings and embeddingDim must be non-negative integers, got ${numEmbeddings} and ${embeddingDim}`,
      );
    }
    const { paddingIdx } = options;
    if (
      paddingIdx !== undefined &&
      (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)
    ) {
      throw new RangeError(
        `Embedding: paddingIdx ${paddingIdx} must be within [-${numEmbeddings}, ${numEmbeddings - 1}]`,
      );
    }
    this.paddingIdx = paddingIdx === undefined || paddingIdx >= 0 ? paddingIdx : paddingIdx + numEmbeddings;
    this.weight = this.registerParameter('weight', new Parameter(randn([numEmbeddings, embeddingDim])));
    if (this.paddingIdx !== undefined) noGrad(() => this.weight.select(0, this.paddingIdx!).zero_());
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === undefined ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
