/** `torch.nn.functional`'s norm-based functions: normalize, cosineSimilarity, pairwiseDistance. */
import type { Tensor } from '../../tensor/tensor.js';
import { norm } from '../../ops/linalg.js';

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
  const denom = x1
    .square()
    .sum(dim)
    .mul(x2.square().sum(dim))
    .clamp(eps * eps)
    .sqrt();
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
