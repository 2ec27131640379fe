/** Linear-algebra helpers with PyTorch's names and shape checks: mm, bmm, mv, dot, outer, trace, norm, cdist, diag. */
import { DTypeError, ShapeError } from '../tensor/errors.js';
import { record } from '../autograd/graph.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { isFloating } from '../tensor/dtype.js';
import { formatShape, normalizeDims } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, cast, div, eq, mul, ne, pow, sign, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { cat, reshape, slice, unsqueeze } from './movement.js';
import { indexSelect } from './indexing.js';
import { zeros } from '../tensor/create.js';
import { amax, amin, sum } from './reduce.js';
import './methods.js';

function needDims(t: Tensor, n: number, op: string, name: string): void {
  if (t.ndim !== n) throw new ShapeError(`${op}: ${name} must be ${n}-D, got shape ${formatShape(t.shape)}`);
}

/**
 * Matrix product of two 2-D tensors (no broadcasting), like `torch.mm`.
 * @example
 * mm(ones([2, 3]), ones([3, 4])).shape; // [2, 4]
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  needDims(a, 2, 'mm', 'self');
  needDims(b, 2, 'mm', 'mat2');
  return matmul(a, b);
}

/**
 * Batched product of two 3-D tensors with equal batch sizes, like `torch.bmm`.
 * @example
 * bmm(ones([5, 2, 3]), ones([5, 3, 4])).shape; // [5, 2, 4]
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  needDims(a, 3, 'bmm', 'self');
  needDims(b, 3, 'bmm', 'mat2');
  if (a.shape[0] !== b.shape[0])
    throw new ShapeError(`bmm: batch sizes differ: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  return matmul(a, b);
}

/**
 * Matrix-vector product, like `torch.mv`.
 * @example
 * mv(tensor([[1, 2], [3, 4]]), tensor([1, 1])); // [3, 7]
 */
export function mv(a: Tensor, v: Tensor): Tensor {
  needDims(a, 2, 'mv', 'self');
  needDims(v, 1, 'mv', 'vec');
  return matmul(a, v);
}

/**
 * Inner product of two 1-D tensors of equal length, like `torch.dot`.
 * @example
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6])); // 32
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  needDims(a, 1, 'dot', 'self');
  needDims(b, 1, 'dot', 'other');
  if (a.shape[0] !== b.shape[0])
    throw new ShapeError(`dot: sizes differ: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  return sum(mul(a, b));
}

/**
 * Outer product of two 1-D tensors, like `torch.outer`.
 * @example
 * outer(tensor([1, 2]), tensor([1, 10])); // [[1, 10], [2, 20]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  needDims(a, 1, 'outer', 'self');
  needDims(b, 1, 'outer', 'vec2');
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

/**
 * Sum of the main diagonal of a 2-D tensor, like `torch.trace`.
 * @example
 * trace(tensor([[1, 2], [3, 4]])); // 5
 */
export function trace(x: Tensor): Tensor {
  needDims(x, 2, 'trace', 'input');
  const [r, c] = x.shape;
  const n = Math.min(r, c);
  return sum(slice(reshape(x, [r * c]), 0, 0, n === 0 ? 0 : (n - 1) * (c + 1) + 1, c + 1));
}

/**
 * Vector p-norm over `dim` (all elements when omitted), like `torch.norm(x, p, dim, keepdim)`:
 * p may be any number, `Infinity`, `-Infinity` or `'fro'` (= 2). The gradient at an all-zero
 * input is 0, as in PyTorch.
 * @example
 * tensor([3, 4]).norm(); // 5
 */
export function norm(x: Tensor, p: number | 'fro' = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError(`norm: expected a floating point tensor, got ${x.dtype}`);
  const ord = p === 'fro' ? 2 : p;
  const dims = normalizeDims(dim, x.ndim, 'norm');
  if (ord === Infinity) return amax(abs(x), dims, keepdim);
  if (ord === -Infinity) return amin(abs(x), dims, keepdim);
  if (ord === 0) return cast(sum(ne(x, 0), dims, keepdim), x.dtype);
  if (ord === 1) return sum(abs(x), dims, keepdim);
  const n = noGrad(() => pow(sum(pow(abs(x), ord), dims, true), 1 / ord));
  const out = keepdim
    ? n
    : reshape(
        n,
        n.shape.filter((_, i) => !dims.includes(i)),
      );
  const result = Tensor.fromData(out.toTypedArray(), out.shape);
  return record(
    result,
    { name: 'norm', attrs: { ord, dims, keepdim } },
    [x],
    (dy) => {
      // d‖x‖ₚ/dx = sign(x)·|x|^(p−1) / ‖x‖ₚ^(p−1), taken as 0 where the norm is 0; under
      // createGraph the norm is the recorded output, so the rule is differentiable in x too.
      const nk = isGradEnabled() ? reshape(result, n.shape) : n;
      const g = reshape(dy, n.shape);
      const scale = div(mul(sign(x), pow(abs(x), ord - 1)), pow(nk, ord - 1));
      return [where(eq(n, 0), 0, mul(g, scale))];
    },
    [x],
  );
}

/**
 * The p-norm distance between each row of `x1` [..., P, M] and each row of `x2` [..., R, M]:
 * [..., P, R], like `torch.cdist` (computed from the differences, so exact and differentiable,
 * with a zero gradient at zero distance).
 * @example
 * cdist(tensor([[0, 0], [3, 4]]), tensor([[0, 0]])); // [[0], [5]]
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor {
  if (x1.ndim < 2 || x2.ndim < 2 || x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new ShapeError(
      `cdist: expected [..., P, M] and [..., R, M] with equal M, got shapes ${formatShape(x1.shape)} and ${formatShape(x2.shape)}`,
    );
  }
  return norm(unsqueeze(x1, -2).sub(unsqueeze(x2, -3)), p, -1);
}

/**
 * The main diagonal of a 2-D tensor (shifted by `diagonal`), or, from a 1-D tensor, the square
 * matrix with it on that diagonal, like `torch.diag`.
 * @example
 * diag(tensor([[1, 2], [3, 4]])); // [1, 4]
 */
export function diag(x: Tensor, diagonal = 0): Tensor {
  if (x.ndim === 2) return diagonalOf(x, diagonal);
  if (x.ndim !== 1) throw new ShapeError(`diag: expected a 1-D or 2-D tensor, got shape ${formatShape(x.shape)}`);
  const n = x.shape[0];
  const size = n + Math.abs(diagonal);
  // Gather each cell from [x, 0]: index n (the appended zero) off the diagonal.
  const idx = new Int32Array(size * size).fill(n);
  for (let i = 0; i < n; i++) {
    const [r, c] = diagonal >= 0 ? [i, i + diagonal] : [i - diagonal, i];
    idx[r * size + c] = i;
  }
  const padded = cat([x, zeros([1], { dtype: x.dtype })]);
  return reshape(indexSelect(padded, 0, Tensor.fromData(idx, [idx.length])), [size, size]);
}

function diagonalOf(x: Tensor, offset: number): Tensor {
  const [r, c] = x.shape;
  const start = offset >= 0 ? offset : -offset * c;
  const length = Math.max(0, offset >= 0 ? Math.min(r, c - offset) : Math.min(r + offset, c));
  if (length === 0) return reshape(slice(reshape(x, [r * c]), 0, 0, 0), [0]);
  return slice(reshape(x, [r * c]), 0, start, start + (length - 1) * (c + 1) + 1, c + 1);
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const linalgMethods = {
  mm(this: Tensor, other: Tensor): Tensor {
    return mm(this, other);
  },
  bmm(this: Tensor, other: Tensor): Tensor {
    return bmm(this, other);
  },
  mv(this: Tensor, vec: Tensor): Tensor {
    return mv(this, vec);
  },
  dot(this: Tensor, other: Tensor): Tensor {
    return dot(this, other);
  },
  outer(this: Tensor, other: Tensor): Tensor {
    return outer(this, other);
  },
  trace(this: Tensor): Tensor {
    return trace(this);
  },
  diag(this: Tensor, diagonal = 0): Tensor {
    return diag(this, diagonal);
  },
  /** Vector p-norm over `dim` (all elements when omitted); `p` 2 by default. */
  norm(this: Tensor, p: number | 'fro' = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    return norm(this, p, dim, keepdim);
  },
};
installMethods(linalgMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof linalgMethods> {}
}
