/** `torch.nn.functional`'s lookup functions: embedding and oneHot (composites of indexSelect and eq). */
import { arange } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { indexSelect } from '../../ops/indexing.js';
import { reshape } from '../../ops/movement.js';
import { where } from '../../ops/elementwise.js';

/**
 * Rows of `weight` picked by int32 `input` (any shape): [...input.shape, embeddingDim], like
 * `F.embedding`. Lookups of `paddingIdx` pass no gradient to that row.
 * @example
 * embedding(tensor([[0, 2]], { dtype: 'int32' }), randn([5, 3])).shape; // [1, 2, 3]
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number): Tensor {
  if (input.dtype !== 'int32') throw new TypeError(`embedding: indices must be an int32 tensor, got ${input.dtype}`);
  if (weight.ndim !== 2)
    throw new Error(
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

/**
 * One-hot encodes int32 class indices: shape [...x.shape, numClasses], int32 (PyTorch: int64).
 * `numClasses` -1 means one more than the largest index.
 * @example
 * oneHot(tensor([0, 2], { dtype: 'int32' }), 3); // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(x: Tensor, numClasses = -1): Tensor {
  if (x.dtype !== 'int32') throw new TypeError(`oneHot: expected int32 class indices, got ${x.dtype}`);
  const values = x.toTypedArray();
  let max = -1;
  for (const v of values) {
    if (v < 0) throw new RangeError(`oneHot: class values must be non-negative, got ${v}`);
    max = Math.max(max, v);
  }
  const classes = numClasses === -1 ? max + 1 : numClasses;
  if (max >= classes) throw new RangeError(`oneHot: class value ${max} is not smaller than numClasses ${classes}`);
  return x.unsqueeze(-1).eq(arange(classes)).to('int32');
}
