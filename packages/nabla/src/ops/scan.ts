/**
 * Ops that run along one dimension: cumsum and cumprod (scans), prod, and sort / argsort /
 * topk / median. Each works on a contiguous copy with `dim` moved last, one row at a time.
 * Sorting only computes indices; values are gathered, so their gradient is gather's.
 */
import { IndexError, OptionError, ShapeError } from '../tensor/errors.js';
import { record } from '../autograd/graph.js';
import { getBackend } from '../backend/index.js';
import { allocate, type TypedArray } from '../tensor/dtype.js';
import { formatShape, normalizeDim } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { arange, ones } from '../tensor/create.js';
import { cast, ge, gt, mul, where } from './elementwise.js';
import { flip } from './rearrange.js';
import { gather } from './indexing.js';
import { cat, expand, narrow, reshape, squeeze, transpose, unsqueeze } from './movement.js';
import { sum, valuesIndicesOf, type ValuesIndices } from './reduce.js';
import './methods.js';

/** `x` (detached) as rows of its `dim`: a contiguous copy with that dim last. */
function rows(x: Tensor, d: number): { data: TypedArray; n: number; shape: readonly number[] } {
  const t = d === x.ndim - 1 ? x.detach() : transpose(x.detach(), d, -1);
  return { data: t.toTypedArray(), n: t.shape[t.ndim - 1], shape: t.shape };
}

/** Row-major `data` of the dim-last shape, put back in the input's dim order (a view). */
function unrows(data: TypedArray, shape: readonly number[], d: number): Tensor {
  const t = Tensor.fromData(data, shape);
  return d === shape.length - 1 ? t : transpose(t, d, -1);
}

/** A 0-d input is treated as [1] and its result reshaped back. */
function along<T>(x: Tensor, dim: number, op: string, fn: (x1: Tensor, d: number) => T): T {
  const d = normalizeDim(dim, x.ndim, op);
  return fn(x.ndim === 0 ? reshape(x, [1]) : x, d);
}

/**
 * What cumsum and cumprod share: bool counts as int32, the backend scans each dim-last row in
 * place, and `grad(dy1, x1, d, n, shape)` gives the input gradient from `dy1` (in x1's shape).
 * A cumprod's rule reads the input, so the input is saved for it; a cumsum's does not.
 */
function scan(
  x: Tensor,
  dim: number,
  kind: 'sum' | 'prod',
  grad: (dy1: Tensor, x1: Tensor, d: number, n: number, shape: readonly number[]) => Tensor,
): Tensor {
  const op = kind === 'sum' ? 'cumsum' : 'cumprod';
  const src = x.dtype === 'bool' ? cast(x, 'int32') : x;
  return along(src, dim, op, (x1, d) => {
    const { data, n, shape } = rows(x1, d);
    getBackend().ops.scanRows(kind, data, n);
    const y = reshape(unrows(data, shape, d), x.shape);
    const rule = (dy: Tensor): Tensor[] => [reshape(grad(reshape(dy, x1.shape), x1, d, n, shape), src.shape)];
    return record(y, { name: op, attrs: { dim: d } }, [src], rule, kind === 'prod' ? [src] : []);
  });
}

/**
 * Cumulative sum along `dim` (bool and int32 give int32), like `torch.cumsum`.
 * @example
 * tensor([1, 2, 3]).cumsum(0); // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  // The gradient of a prefix sum is the suffix sum of dy.
  return scan(x, dim, 'sum', (dy1, _x1, d) => flip(cumsum(flip(dy1, [d]), d), [d]));
}

/**
 * Cumulative product along `dim`, like `torch.cumprod` (gradient by the product rule).
 * @example
 * tensor([1, 2, 3]).cumprod(0); // [1, 2, 6]
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  return scan(x, dim, 'prod', (dy1, x1, d, n, shape) => {
    if (isGradEnabled()) return cumprodGradOps(dy1, x1, d, n);
    // dL/dx_i = Σ_{j≥i} dy_j · Π_{k≤j, k≠i} x_k, computed exactly (zeros included) per row.
    const g = rows(dy1, d).data;
    const xs = rows(x1, d).data;
    const out = allocate(dy1.dtype, xs.length);
    getBackend().ops.cumprodBackward(xs, g, out, n);
    return unrows(out, shape, d);
  });
}

/** `[..., n]` → the exclusive product from the left: `[1, x₀, x₀x₁, …]` (recorded ops). */
function exclusiveCumprod(xm: Tensor, n: number): Tensor {
  const one = ones([...xm.shape.slice(0, -1), 1], { dtype: xm.dtype });
  return cumprod(cat([one, narrow(xm, -1, 0, n - 1)], -1), -1);
}

/** `[i, j]` pairs of an n×n grid where `test(j, i)`, as a bool mask. */
function gridMask(n: number, test: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const i = reshape(arange(n, undefined, 1, { dtype: 'int32' }), [n, 1]);
  return test(reshape(i, [1, n]), i);
}

/**
 * cumprod's input gradient in recorded ops, for createGraph, exact with zeros:
 * dx_i = L_i · Σ_{j≥i} dy_j · Π_{i<k≤j} x_k, with L_i = Π_{k<i} x_k (O(n²) per row).
 */
function cumprodGradOps(dy1: Tensor, x1: Tensor, d: number, n: number): Tensor {
  if (n === 0) return mul(dy1, 0);
  const xm = transpose(x1, d, -1);
  const dym = transpose(dy1, d, -1);
  const lead = xm.shape.slice(0, -1);
  // P[..., i, j] = Π_{k≤j, k>i} x_k
  const grid = expand(unsqueeze(xm, -2), [...lead, n, n]);
  const P = cumprod(where(gridMask(n, gt), grid, 1), -1);
  const S = sum(where(gridMask(n, ge), mul(unsqueeze(dym, -2), P), 0), -1);
  return transpose(mul(exclusiveCumprod(xm, n), S), d, -1);
}

/**
 * Product of all elements, or along `dim`, like `torch.prod` (bool/int32 give int32). The
 * gradient is the product of the other elements, exact when some are zero.
 * @example
 * tensor([[1, 2], [3, 4]]).prod(1); // [2, 12]
 */
export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) {
    const p = prod(reshape(x, [x.numel()]), 0);
    return keepdim
      ? reshape(
          p,
          x.shape.map(() => 1),
        )
      : p;
  }
  const src = x.dtype === 'bool' ? cast(x, 'int32') : x;
  return along(src, dim, 'prod', (x1, d) => {
    const { data, n, shape } = rows(x1, d);
    const keptShape = [...shape.slice(0, -1), 1];
    const out = allocate(
      src.dtype,
      keptShape.reduce((a, b) => a * b, 1),
    );
    getBackend().ops.prodRows(data, out, n);
    const kept = unrows(out, keptShape, d); // x1's shape with size 1 at d
    const y = src.ndim === 0 ? reshape(kept, []) : keepdim ? kept : squeeze(kept, d);
    return record(Tensor.fromData(y.toTypedArray(), y.shape), 'prod', [src], (dy) => {
      if (isGradEnabled()) {
        // createGraph: Π_{k≠i} x_k as the exclusive products from both ends, in recorded ops.
        const xm = transpose(x1, d, -1);
        const n1 = xm.shape[xm.ndim - 1];
        const others = n1 === 0 ? xm : mul(exclusiveCumprod(xm, n1), flip(exclusiveCumprod(flip(xm, [-1]), n1), [-1]));
        return [reshape(mul(reshape(dy, kept.shape), transpose(others, d, -1)), src.shape)];
      }
      // d/dx_i Π x = Π_{k≠i} x_k (computed directly, so zeros are exact)
      const others = allocate(dy.dtype, data.length);
      getBackend().ops.prodOthers(data, others, n);
      const g = reshape(dy, kept.shape);
      return [reshape(mul(g, unrows(others, shape, d)), src.shape)];
    });
  });
}

function sortIndices(x: Tensor, d: number, descending: boolean): Tensor {
  const { data, n, shape } = rows(x, d);
  const idx = new Int32Array(data.length);
  // Stable, NaN largest (as PyTorch's stable sort).
  getBackend().ops.sortRows(data, idx, n, descending);
  return unrows(idx, shape, d);
}

export interface SortOptions {
  dim?: number;
  descending?: boolean;
}

/**
 * Sorts along `dim` (default -1), returning `{ values, indices }` like `torch.sort`; ties keep
 * their original order and NaN sorts last (first when descending).
 * @example
 * const { values, indices } = tensor([3, 1, 2]).sort(); // values [1, 2, 3], indices [1, 2, 0]
 */
export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  return along(x, dim, 'sort', (x1, d) => {
    const indices = sortIndices(x1, d, descending);
    const values = gather(x1, d, indices);
    return valuesIndicesOf(reshape(values, x.shape), reshape(indices, x.shape));
  });
}

/**
 * The indices that sort `x` along `dim`, like `torch.argsort`.
 * @example
 * tensor([3, 1, 2]).argsort(); // [1, 2, 0]
 */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  return sort(x, dim, descending).indices;
}

/**
 * The `k` largest (or smallest) elements along `dim` (default -1) and their indices, sorted,
 * like `torch.topk(x, k, dim, largest, sorted)`.
 * @example
 * tensor([1, 5, 3]).topk(2).values; // [5, 3]
 */
export function topk(x: Tensor, k: number, dim = -1, largest = true): ValuesIndices {
  return along(x, dim, 'topk', (x1, d) => {
    const size = x1.shape[d];
    if (!Number.isInteger(k) || k < 0 || k > size) {
      throw new IndexError(
        `topk: k (${k}) is out of range for dimension ${dim} of size ${size} (shape ${formatShape(x.shape)})`,
      );
    }
    const indices = narrow(sortIndices(x1, d, largest), d, 0, k).contiguous();
    const values = gather(x1, d, indices);
    const shape = x.ndim === 0 ? [] : indices.shape;
    return valuesIndicesOf(reshape(values, shape), reshape(indices, shape));
  });
}

/**
 * The lower median (of an even count, the smaller middle element) of all elements, or
 * `{ values, indices }` along `dim`, like `torch.median`.
 * @example
 * tensor([4, 1, 3, 2]).median(); // 2
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function median(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) {
    if (x.numel() === 0) throw new OptionError('median: cannot compute the median of an empty tensor');
    return (median(reshape(x, [x.numel()]), 0) as ValuesIndices).values;
  }
  return along(x, dim, 'median', (x1, d) => {
    const n = x1.shape[d];
    if (n === 0)
      throw new ShapeError(`median: cannot reduce over a zero-size dimension (shape ${formatShape(x.shape)})`);
    // The lower middle of each sorted row; a row holding NaN (sorted last) gives its first NaN, as PyTorch.
    const { data: order, shape } = rows(sortIndices(x1, d, false), d);
    const { data: vals } = rows(x1, d);
    const picked = new Int32Array(order.length / n);
    getBackend().ops.medianRows(order, vals, picked, n);
    const at = unrows(picked, [...shape.slice(0, -1), 1], d).contiguous();
    const values = gather(x1, d, at);
    if (keepdim || x.ndim === 0)
      return valuesIndicesOf(reshape(values, x.ndim === 0 ? [] : at.shape), reshape(at, x.ndim === 0 ? [] : at.shape));
    return valuesIndicesOf(squeeze(values, d), squeeze(at, d));
  });
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const scanMethods = {
  cumsum(this: Tensor, dim: number): Tensor {
    return cumsum(this, dim);
  },
  cumprod(this: Tensor, dim: number): Tensor {
    return cumprod(this, dim);
  },
  prod(this: Tensor, dim?: number, keepdim = false): Tensor {
    return prod(this, dim, keepdim);
  },
  /** `{ values, indices }` sorted along `dim` (default -1). */
  sort(this: Tensor, dim = -1, descending = false): ValuesIndices {
    return sort(this, dim, descending);
  },
  argsort(this: Tensor, dim = -1, descending = false): Tensor {
    return argsort(this, dim, descending);
  },
  topk(this: Tensor, k: number, dim = -1, largest = true): ValuesIndices {
    return topk(this, k, dim, largest);
  },
};
installMethods(scanMethods);
// median is overloaded, which a mapped type cannot carry: typed by hand below.
installMethods({
  median(this: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? median(this) : median(this, dim, keepdim);
  },
});
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof scanMethods> {
    median(): Tensor;
    median(dim: number, keepdim?: boolean): ValuesIndices;
  }
}
