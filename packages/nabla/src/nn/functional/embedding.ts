/** `torch.nn.functional`'s lookup functions: embedding, embeddingBag and oneHot (composites of indexSelect and eq). */
import { arange, tensor, zeros } from '../../tensor/create.js';
import { DTypeError, IndexError, OptionError, ShapeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { indexSelect } from '../../ops/indexing.js';
import { cat, reshape } from '../../ops/movement.js';
import { where } from '../../ops/elementwise.js';

/**
 * Rows of `weight` picked by int32 `input` (any shape): [...input.shape, embeddingDim], like
 * `F.embedding`. Lookups of `paddingIdx` pass no gradient to that row.
 * @example
 * embedding(tensor([[0, 2]], { dtype: 'int32' }), randn([5, 3])).shape; // [1, 2, 3]
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number): Tensor {
  if (input.dtype !== 'int32') throw new DTypeError(`embedding: indices must be an int32 tensor, got ${input.dtype}`);
  if (weight.ndim !== 2)
    throw new ShapeError(
      `embedding: weight must be 2-D [numEmbeddings, embeddingDim], got shape ${formatShape(weight.shape)}`,
    );
  const flat = reshape(input, [input.numel()]);
  let rows = indexSelect(weight, 0, flat);
  if (paddingIdx !== undefined) {
    const pid = paddingIdx < 0 ? paddingIdx + weight.shape[0] : paddingIdx;
    rows = where(flat.eq(pid).unsqueeze(1), indexSelect(weight.detach(), 0, flat), rows);
  }
  return reshape(rows, [...input.shape, weight.shape[1]]);
}

export interface EmbeddingBagOptions {
  /** How a bag's rows are combined (default 'mean'). */
  mode?: 'sum' | 'mean' | 'max';
  /** A weight per index (same shape as `input`) that scales its row; 'sum' mode only, as in PyTorch. */
  perSampleWeights?: Tensor | null;
  /** `offsets` has one more entry than there are bags: the end of the last bag (like CSR). */
  includeLastOffset?: boolean;
  /** Indices equal to this one are left out of their bag (not summed, counted or maxed) and give no gradient. */
  paddingIdx?: number;
}

/**
 * Sums, averages or takes the maximum of bags of `weight` rows without building the
 * [..., embeddingDim] lookup first, like `F.embedding_bag`: `input` is int32 [B, N] (B bags of N
 * indices) or 1-D with int32 `offsets` (bag b is `input[offsets[b] : offsets[b+1]]`, the last one
 * running to the end). Returns [B, embeddingDim]; an empty bag gives zeros.
 * @example
 * const weight = randn([10, 3]);
 * embeddingBag(tensor([1, 2, 4, 5, 4], { dtype: 'int32' }), weight, tensor([0, 2], { dtype: 'int32' }), { mode: 'sum' }).shape; // [2, 3]
 */
export function embeddingBag(
  input: Tensor,
  weight: Tensor,
  offsets: Tensor | null = null,
  options: EmbeddingBagOptions = {},
): Tensor {
  checkOptions('embeddingBag', options, {
    mode: true,
    perSampleWeights: true,
    includeLastOffset: true,
    paddingIdx: true,
  });
  const { mode = 'mean', perSampleWeights = null, includeLastOffset = false, paddingIdx } = options;
  if (input.dtype !== 'int32')
    throw new DTypeError(`embeddingBag: indices must be an int32 tensor, got ${input.dtype}`);
  if (weight.ndim !== 2)
    throw new ShapeError(
      `embeddingBag: weight must be 2-D [numEmbeddings, embeddingDim], got shape ${formatShape(weight.shape)}`,
    );
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max')
    throw new OptionError(`embeddingBag: mode must be 'sum', 'mean' or 'max', got '${String(mode)}'`);
  if (perSampleWeights) {
    if (mode !== 'sum')
      throw new OptionError(
        `embeddingBag: perSampleWeights is only supported with mode 'sum' (as in PyTorch), got '${mode}'`,
      );
    if (perSampleWeights.shape.join() !== input.shape.join())
      throw new ShapeError(
        `embeddingBag: perSampleWeights must have the shape of input ${formatShape(input.shape)}, got ${formatShape(perSampleWeights.shape)}`,
      );
  }
  // Every form becomes a padded [B, L] grid of indices with a mask of the cells that hold one.
  let grid: Tensor;
  let filled: Tensor | null = null;
  let scale = perSampleWeights;
  if (input.ndim === 2) {
    if (offsets) throw new OptionError('embeddingBag: offsets must be null when input is 2-D (each row is a bag)');
    grid = input;
  } else if (input.ndim === 1) {
    if (offsets?.ndim !== 1)
      throw new OptionError('embeddingBag: a 1-D input needs 1-D int32 offsets (the start of every bag)');
    if (offsets.dtype !== 'int32')
      throw new DTypeError(`embeddingBag: offsets must be an int32 tensor, got ${offsets.dtype}`);
    const n = input.shape[0];
    const starts = Array.from(offsets.toTypedArray());
    const ends = includeLastOffset ? starts.slice(1) : [...starts.slice(1), n];
    if (includeLastOffset) starts.pop();
    if (starts.length > 0 && starts[0] !== 0)
      throw new IndexError(
        `embeddingBag: offsets[0] must be 0 (the first bag starts at the first index), got ${starts[0]}`,
      );
    starts.forEach((s, b) => {
      if (!(s <= ends[b] && ends[b] <= n))
        throw new IndexError(
          `embeddingBag: offsets must be non-decreasing and at most ${n} (the number of indices), got [${Array.from(offsets.toTypedArray()).join(', ')}]`,
        );
    });
    const width = Math.max(1, ...starts.map((s, b) => ends[b] - s));
    // Cell (b, j) reads position starts[b] + j of input, or position n (an appended 0) past the bag's end.
    const positions: number[] = [];
    const holds: number[] = [];
    starts.forEach((s, b) => {
      for (let j = 0; j < width; j++) {
        const inside = s + j < ends[b];
        positions.push(inside ? s + j : n);
        holds.push(inside ? 1 : 0);
      }
    });
    const at = tensor(positions, { dtype: 'int32' });
    const gridShape = [starts.length, width];
    grid = indexSelect(cat([input, zeros([1], { dtype: 'int32' })]), 0, at).reshape(gridShape);
    filled = tensor(holds, { dtype: 'int32' }).reshape(gridShape).eq(1);
    if (scale) scale = indexSelect(cat([scale, zeros([1], { dtype: scale.dtype })]), 0, at).reshape(gridShape);
  } else {
    throw new ShapeError(
      `embeddingBag: input must be 1-D (with offsets) or 2-D, got shape ${formatShape(input.shape)}`,
    );
  }
  let keep = filled;
  if (paddingIdx !== undefined) {
    const pid = paddingIdx < 0 ? paddingIdx + weight.shape[0] : paddingIdx;
    const notPad = grid.ne(pid);
    keep = keep ? keep.logicalAnd(notPad) : notPad;
  }
  const rows = reshape(indexSelect(weight, 0, reshape(grid, [grid.numel()])), [...grid.shape, weight.shape[1]]);
  const keep3 = keep?.unsqueeze(-1) ?? null;
  if (mode === 'max') {
    if (!keep3) return rows.max(1).values;
    const best = rows.maskedFill(keep3.logicalNot(), -Infinity).max(1).values;
    return where(keep3.any(1), best, 0); // an empty bag is zeros, as in PyTorch
  }
  // where (not a multiply) leaves cells out, so a non-finite weight row outside a bag cannot leak in.
  let kept = keep3 ? where(keep3, rows, 0) : rows;
  if (scale) kept = kept.mul(scale.unsqueeze(-1));
  const total = kept.sum(1);
  if (mode === 'sum') return total;
  const count = keep ? keep.to(weight.dtype).sum(1, true) : grid.shape[1];
  return total.div(typeof count === 'number' ? count : count.clamp(1, Infinity));
}

/**
 * One-hot encodes int32 class indices: shape [...x.shape, numClasses], int32 (PyTorch: int64).
 * `numClasses` -1 means one more than the largest index.
 * @example
 * oneHot(tensor([0, 2], { dtype: 'int32' }), 3); // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(x: Tensor, numClasses = -1): Tensor {
  if (x.dtype !== 'int32') throw new DTypeError(`oneHot: expected int32 class indices, got ${x.dtype}`);
  const values = x.toTypedArray();
  let max = -1;
  for (const v of values) {
    if (v < 0) throw new OptionError(`oneHot: class values must be non-negative, got ${v}`);
    max = Math.max(max, v);
  }
  const classes = numClasses === -1 ? max + 1 : numClasses;
  if (max >= classes) throw new ShapeError(`oneHot: class value ${max} is not smaller than numClasses ${classes}`);
  return x.unsqueeze(-1).eq(arange(classes)).to('int32');
}
