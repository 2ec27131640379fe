import { checkOptions } from '../tensor/options.js';
import { randperm } from '../tensor/create.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { OptionError } from '../tensor/errors.js';
import { fetchBatch, type Dataset } from './dataset.js';

export interface DataLoaderOptions<B = Tensor[]> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the samples at the start of every pass (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Source of the shuffling order; seed it for reproducible epochs. */
  generator?: Generator;
  /**
   * Builds a batch from the list of samples (each what `getItem` returns), like PyTorch's
   * `collate_fn`; e.g. pads variable-length sequences. Default: stack each field (one
   * `getBatch` call when the data set has one).
   */
  collate?: (samples: Tensor[][]) => B;
}

/**
 * Iterates over a data set in batches, each a tuple of stacked tensors (`[xBatch, yBatch]`),
 * like PyTorch's `DataLoader`. Every `for … of` is one pass (epoch); with `shuffle` each pass
 * draws a fresh permutation from `generator`. Data sets with `getBatch` (e.g. `TensorDataset`)
 * are gathered with one `indexSelect` per tensor, not one tensor per sample. A `collate`
 * function makes batches of another kind (the type parameter `B`) from the samples.
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, generator: new Generator(0) });
 * for (const [xb, yb] of loader) { ... }
 * // Variable-length sequences: pad each batch, keep the lengths
 * const padded = new DataLoader(sentences, {
 *   batchSize: 8,
 *   collate: (samples) => [nn.padSequence(samples.map(([s]) => s), { batchFirst: true }), tensor(samples.map(([s]) => s.shape[0]), { dtype: 'int32' })],
 * });
 */
export class DataLoader<B = Tensor[]> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;
  readonly collate: ((samples: Tensor[][]) => B) | null;

  constructor(
    readonly dataset: Dataset,
    options: DataLoaderOptions<B> = {},
  ) {
    checkOptions('DataLoader', options, {
      batchSize: true,
      shuffle: true,
      dropLast: true,
      generator: true,
      collate: true,
    });
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new OptionError(`DataLoader: batchSize must be a positive integer, got ${this.batchSize}`);
    }
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator = options.generator ?? defaultGenerator;
    if (options.collate !== undefined && typeof options.collate !== 'function')
      throw new OptionError(
        `DataLoader: collate must be a function of the list of samples, got ${typeof options.collate}`,
      );
    this.collate = options.collate ?? null;
  }

  /** Number of batches in one pass. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of the next pass (draws from `generator` when shuffling). */
  private order(): Int32Array {
    const n = this.dataset.length;
    if (this.shuffle) return randperm(n, { generator: this.generator }).toTypedArray() as Int32Array;
    return Int32Array.from({ length: n }, (_, i) => i);
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.order();
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      yield this.collate
        ? this.collate(Array.from(indices, (i) => this.dataset.getItem(i)))
        : (fetchBatch(this.dataset, indices) as B);
    }
  }
}
