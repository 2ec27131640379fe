import { stack } from '../ops/movement.js';
import { IndexError, OptionError, ShapeError } from '../tensor/errors.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A map-style data set: `length` samples, each a tuple of tensors (e.g. `[features, label]`).
 * `getBatch` is optional: data sets that can gather many samples at once (like
 * `TensorDataset`, with one `indexSelect` per tensor) implement it so `DataLoader` need not
 * build and stack one tensor per sample.
 * @example
 * class Squares implements Dataset {
 *   readonly length = 10;
 *   getItem(i: number) { return [tensor([i]), tensor([i * i])]; }
 * }
 */
export interface Dataset {
  readonly length: number;
  getItem(index: number): Tensor[];
  getBatch?(indices: Int32Array): Tensor[];
}

function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new IndexError(`${what}: index ${index} is out of range for a data set of length ${length}`);
  }
  return index < 0 ? index + length : index;
}

/**
 * Wraps tensors that share their first dimension; sample `i` is `[t[i] for each tensor]`, like
 * PyTorch's `TensorDataset`.
 * @example
 * const ds = new TensorDataset(randn([100, 4]), randint(0, 3, [100]));
 * const [x0, y0] = ds.getItem(0); // shapes [4] and []
 */
export class TensorDataset implements Dataset {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new OptionError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (t.ndim === 0)
        throw new ShapeError(`TensorDataset: tensor ${i} is 0-d; every tensor needs a first (sample) dimension`);
    });
    const n = tensors[0].shape[0];
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0) {
      throw new ShapeError(
        `TensorDataset: size mismatch between tensors: tensor 0 has ${n} samples (shape ${formatShape(tensors[0].shape)}) ` +
          `but tensor ${bad} has ${tensors[bad].shape[0]} (shape ${formatShape(tensors[bad].shape)})`,
      );
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  getItem(index: number): Tensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset.getItem');
    return this.tensors.map((t) => t.select(0, i));
  }

  getBatch(indices: Int32Array): Tensor[] {
    const idx = Tensor.fromData(indices, [indices.length]);
    return this.tensors.map((t) => t.indexSelect(0, idx));
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (PyTorch's `Subset`).
 * @example
 * const firstTen = new Subset(ds, Array.from({ length: 10 }, (_, i) => i));
 */
export class Subset implements Dataset {
  readonly indices: Int32Array;

  constructor(
    readonly dataset: Dataset,
    indices: ArrayLike<number>,
  ) {
    this.indices = Int32Array.from(indices, (i) => checkIndex(i, dataset.length, 'Subset'));
  }

  get length(): number {
    return this.indices.length;
  }

  getItem(index: number): Tensor[] {
    return this.dataset.getItem(this.indices[checkIndex(index, this.length, 'Subset.getItem')]);
  }

  getBatch(indices: Int32Array): Tensor[] {
    const mapped = indices.map((i) => this.indices[checkIndex(i, this.length, 'Subset.getBatch')]);
    return fetchBatch(this.dataset, mapped);
  }
}

/** Samples at `indices` as one tensor per field, stacked along a new first dimension. */
export function fetchBatch(dataset: Dataset, indices: Int32Array): Tensor[] {
  if (dataset.getBatch) return dataset.getBatch(indices);
  if (indices.length === 0)
    throw new OptionError('fetchBatch: cannot stack an empty batch from a data set without getBatch');
  const samples = Array.from(indices, (i) => dataset.getItem(i));
  return samples[0].map((_, field) => {
    const column = samples.map((s, k) => {
      if (s.length !== samples[0].length) {
        throw new ShapeError(
          `collate: sample ${indices[k]} has ${s.length} fields but sample ${indices[0]} has ${samples[0].length}`,
        );
      }
      return s[field];
    });
    const odd = column.findIndex((t) => t.shape.join() !== column[0].shape.join());
    if (odd !== -1)
      throw new ShapeError(
        `collate: field ${field} of sample ${indices[odd]} has shape ${formatShape(column[odd].shape)} but sample ${indices[0]}'s has ${formatShape(column[0].shape)}, so they cannot be stacked; give DataLoader a collate function (e.g. one that pads with nn.padSequence)`,
      );
    return stack(column, 0);
  });
}

/**
 * Every sample of `dataset`, as one stacked tensor per field.
 * @example
 * const [xTest, yTest] = toTensors(testSubset);
 */
export function toTensors(dataset: Dataset): Tensor[] {
  return fetchBatch(
    dataset,
    Int32Array.from({ length: dataset.length }, (_, i) => i),
  );
}
