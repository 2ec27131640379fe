import { randn } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { embedding, embeddingBag } from './functional/embedding.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { noGrad } from '../autograd/grad-mode.js';
import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';

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
export class Embedding extends Module<[input: Tensor], Tensor> {
  readonly weight: Parameter;
  readonly paddingIdx: number | undefined;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    checkOptions('Embedding', options, { paddingIdx: true });
    if (![numEmbeddings, embeddingDim].every((n) => Number.isInteger(n) && n >= 0)) {
      throw new OptionError(
        `Embedding: numEmbeddings and embeddingDim must be non-negative integers, got ${numEmbeddings} and ${embeddingDim}`,
      );
    }
    const { paddingIdx } = options;
    if (
      paddingIdx !== undefined &&
      (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)
    ) {
      throw new ShapeError(
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

export interface EmbeddingBagLayerOptions {
  /** How a bag's rows are combined (default 'mean', as PyTorch). */
  mode?: 'sum' | 'mean' | 'max';
  /** `offsets` has one more entry than there are bags: the end of the last bag. */
  includeLastOffset?: boolean;
  /** A row that stays zero-initialised, is left out of every bag and receives no gradient. */
  paddingIdx?: number;
}

/**
 * A lookup table whose forward sums, averages or maxes bags of rows, like `torch.nn.EmbeddingBag`
 * (N(0, 1) init, the `paddingIdx` row zeroed). `forward(input, offsets?, perSampleWeights?)`
 * takes int32 [B, N] bags, or 1-D indices with the int32 start of every bag; see
 * `functional.embeddingBag`.
 * @example
 * const bag = new EmbeddingBag(10, 3, { mode: 'sum' });
 * const input = tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: 'int32' });
 * bag.forward(input, tensor([0, 4], { dtype: 'int32' })).shape; // [2, 3]
 */
export class EmbeddingBag extends Module<
  [input: Tensor, offsets?: Tensor | null, perSampleWeights?: Tensor | null],
  Tensor
> {
  readonly weight: Parameter;
  readonly mode: 'sum' | 'mean' | 'max';
  readonly includeLastOffset: boolean;
  readonly paddingIdx: number | undefined;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingBagLayerOptions = {},
  ) {
    super();
    checkOptions('EmbeddingBag', options, { mode: true, includeLastOffset: true, paddingIdx: true });
    const { mode = 'mean', includeLastOffset = false, paddingIdx } = options;
    if (![numEmbeddings, embeddingDim].every((n) => Number.isInteger(n) && n >= 0)) {
      throw new OptionError(
        `EmbeddingBag: numEmbeddings and embeddingDim must be non-negative integers, got ${numEmbeddings} and ${embeddingDim}`,
      );
    }
    if (mode !== 'sum' && mode !== 'mean' && mode !== 'max')
      throw new OptionError(`EmbeddingBag: mode must be 'sum', 'mean' or 'max', got '${String(mode)}'`);
    if (
      paddingIdx !== undefined &&
      (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)
    ) {
      throw new OptionError(
        `EmbeddingBag: paddingIdx ${paddingIdx} must be within [-${numEmbeddings}, ${numEmbeddings - 1}]`,
      );
    }
    this.mode = mode;
    this.includeLastOffset = includeLastOffset;
    this.paddingIdx = paddingIdx === undefined || paddingIdx >= 0 ? paddingIdx : paddingIdx + numEmbeddings;
    this.weight = this.registerParameter('weight', new Parameter(randn([numEmbeddings, embeddingDim])));
    if (this.paddingIdx !== undefined) noGrad(() => this.weight.select(0, this.paddingIdx!).zero_());
  }

  forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null): Tensor {
    return embeddingBag(input, this.weight, offsets, {
      mode: this.mode,
      perSampleWeights,
      includeLastOffset: this.includeLastOffset,
      paddingIdx: this.paddingIdx,
    });
  }

  override extraRepr(): string {
    const pad = this.paddingIdx === undefined ? '' : `, paddingIdx=${this.paddingIdx}`;
    return `${this.numEmbeddings}, ${this.embeddingDim}, mode=${this.mode}${pad}`;
  }
}
