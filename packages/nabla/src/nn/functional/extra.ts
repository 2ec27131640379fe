/**
 * `torch.nn.functional` helpers that ported scripts use often: oneHot, pad, normalize,
 * cosineSimilarity, embedding. All composites of primitive ops (gradients come for free).
 */
import { arange, full } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { indexSelect } from '../../ops/indexing.js';
import { cat, narrow, reshape } from '../../ops/movement.js';
import { norm } from '../../ops/linalg.js';
import { where } from '../../ops/elementwise.js';

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

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Source index of each output position along a dim of size n padded by (before, after). */
function padIndex(n: number, before: number, after: number, mode: PadMode, dim: number): Tensor {
  if (mode === 'reflect' && (before >= n || after >= n)) {
    throw new RangeError(`pad: reflect padding (${before}, ${after}) must be smaller than the size ${n} of dimension ${dim}`);
  }
  if (n === 0) throw new RangeError(`pad: cannot ${mode}-pad the empty dimension ${dim}`);
  const idx = new Int32Array(n + before + after);
  for (let k = 0; k < idx.length; k++) {
    const j = k - before;
    if (mode === 'replicate') idx[k] = Math.min(Math.max(j, 0), n - 1);
    else if (mode === 'circular') idx[k] = ((j % n) + n) % n;
    else idx[k] = j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j; // reflect (edge not repeated)
  }
  return Tensor.fromData(idx, [idx.length]);
}

/**
 * Pads (or, with negative amounts, crops) the last dims, like `F.pad(x, pad, mode, value)`:
 * `pad` lists (before, after) pairs starting from the last dimension.
 * @example
 * pad(ones([1, 2, 2]), [1, 1]).shape; // [1, 2, 4]
 */
export function pad(x: Tensor, amounts: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (amounts.length % 2 !== 0 || amounts.length / 2 > x.ndim) {
    throw new Error(`pad: padding ${formatShape(amounts)} must hold (before, after) pairs for at most ${x.ndim} dims (input shape ${formatShape(x.shape)})`);
  }
  let y = x;
  for (let i = 0; i < amounts.length / 2; i++) {
    const d = x.ndim - 1 - i;
    let [before, after] = [amounts[2 * i], amounts[2 * i + 1]];
    // Negative amounts crop first.
    if (before < 0) [y, before] = [narrow(y, d, -before, y.shape[d] + before), 0];
    if (after < 0) [y, after] = [narrow(y, d, 0, y.shape[d] + after), 0];
    if (before === 0 && after === 0) continue;
    if (mode !== 'constant') {
      y = indexSelect(y, d, padIndex(y.shape[d], before, after, mode, d));
      continue;
    }
    const side = (n: number): Tensor => full(y.shape.map((s, k) => (k === d ? n : s)), value, { dtype: y.dtype });
    y = cat([...(before ? [side(before)] : []), y, ...(after ? [side(after)] : [])], d);
  }
  return y;
}

/**
 * Divides by the p-norm along `dim` (at least `eps`), like `F.normalize(x, p, dim, eps)`.
 * @example
 * normalize(tensor([[3, 4]])); // [[0.6, 0.8]]
 */
export function normalize(x: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  return x.div(norm(x, p, dim, true).clamp(eps).expandAs(x));
}

/**
 * Cosine of the angle between x1 and x2 along `dim`: Σx1·x2 / √max(Σx1²·Σx2², eps²), like
 * `F.cosine_similarity(x1, x2, dim, eps)` (inputs broadcast).
 * @example
 * cosineSimilarity(tensor([[1, 0]]), tensor([[1, 1]])); // [0.7071]
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor {
  const dot = x1.mul(x2).sum(dim);
  const denom = x1.square().sum(dim).mul(x2.square().sum(dim)).clamp(eps * eps).sqrt();
  return dot.div(denom);
}

/**
 * The p-norm of `x1 − x2 + eps` along the last dim, like `F.pairwise_distance(x1, x2, p, eps)`.
 * @example
 * pairwiseDistance(tensor([[3, 4]]), tensor([[0, 0]])); // [5]
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, p = 2, eps = 1e-6): Tensor {
  return norm(x1.sub(x2).add(eps), p, -1);
}

/**
 * Rows of `weight` picked by int32 `input` (any shape): [...input.shape, embeddingDim], like
 * `F.embedding`. Lookups of `paddingIdx` pass no gradient to that row.
 * @example
 * embedding(tensor([[0, 2]], { dtype: 'int32' }), randn([5, 3])).shape; // [1, 2, 3]
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number): Tensor {
  if (input.dtype !== 'int32') throw new TypeError(`embedding: indices must be an int32 tensor, got ${input.dtype}`);
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be 2-D [numEmbeddings, embeddingDim], got shape ${formatShape(weight.shape)}`);
  const flat = reshape(input, [input.numel()]);
  let rows = indexSelect(weight, 0, flat);
  if (paddingIdx !== undefined) {
    const pid = paddingIdx < 0 ? paddingIdx + weight.shape[0] : paddingIdx;
    rows = where(flat.eq(pid).unsqueeze(1), indexSelect(weight.detach(), 0, flat), rows);
  }
  return reshape(rows, [...input.shape, weight.shape[1]]);
}
