/**
 * `torch.*` functions whose nabla form is a Tensor method, exported as functions too so a port
 * of `torch.max(x, 1)` or `torch.isfinite(x)` reads the same; plus isinf/isfinite/nanToNum.
 */
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, eq, logicalAnd, ne, where } from './elementwise.js';
import type { ValuesIndices } from './reduce.js';

/**
 * `torch.max`: the largest element, `{ values, indices }` along `dim`, or the elementwise maximum with a tensor.
 * @example
 * max(tensor([[1, 5], [7, 2]]), 1).values; // [5, 7]
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  if (dimOrOther === undefined) return x.max();
  return dimOrOther instanceof Tensor ? x.max(dimOrOther) : x.max(dimOrOther, keepdim);
}

/**
 * `torch.min`: the smallest element, `{ values, indices }` along `dim`, or the elementwise minimum with a tensor.
 * @example
 * min(tensor([1, 5]), tensor([3, 3])); // [1, 3]
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  if (dimOrOther === undefined) return x.min();
  return dimOrOther instanceof Tensor ? x.min(dimOrOther) : x.min(dimOrOther, keepdim);
}

export const unbind = (x: Tensor, dim = 0): Tensor[] => x.unbind(dim);
export const square = (x: Tensor): Tensor => x.square();
export const rsqrt = (x: Tensor): Tensor => x.rsqrt();
export const t = (x: Tensor): Tensor => x.t();

/**
 * True where the element is NaN.
 * @example
 * isnan(tensor([1, NaN])); // [false, true]
 */
export function isnan(x: Tensor): Tensor {
  return ne(x, x);
}

/**
 * True where the element is +∞ or −∞.
 * @example
 * isinf(tensor([1, -Infinity])); // [false, true]
 */
export function isinf(x: Tensor): Tensor {
  return eq(abs(x), Infinity);
}

/**
 * True where the element is neither NaN nor infinite.
 * @example
 * isfinite(tensor([1, NaN, Infinity])); // [true, false, false]
 */
export function isfinite(x: Tensor): Tensor {
  return logicalAnd(eq(x, x), ne(abs(x), Infinity));
}

export interface NanToNumOptions {
  nan?: number;
  /** Default: the largest finite value of the dtype. */
  posinf?: number;
  /** Default: the lowest finite value of the dtype. */
  neginf?: number;
}

/**
 * Replaces NaN with `nan` (0) and ±∞ with the dtype's extreme finite values, like `torch.nan_to_num`.
 * @example
 * nanToNum(tensor([NaN, Infinity, 1]), { posinf: 9 }); // [0, 9, 1]
 */
export function nanToNum(x: Tensor, options: NanToNumOptions = {}): Tensor {
  const big = x.dtype === 'float64' ? Number.MAX_VALUE : 3.4028234663852886e38;
  const { nan = 0, posinf = big, neginf = -big } = options;
  let y = where(ne(x, x), nan, x);
  y = where(eq(y, Infinity), posinf, y);
  return where(eq(y, -Infinity), neginf, y);
}

export interface UniqueOptions {
  /** Also return, for each input element, the index of its value in the output. */
  returnInverse?: boolean;
  /** Also return how often each unique value occurs. */
  returnCounts?: boolean;
}

/**
 * The sorted distinct values of `x` (flattened), like `torch.unique`; with `returnInverse` and/or
 * `returnCounts`, the list `[values, inverse?, counts?]` in PyTorch's order (both int32).
 * @example
 * const [values, counts] = unique(tensor([2, 1, 2, 2]), { returnCounts: true }); // [1, 2] and [1, 3]
 */
export function unique(x: Tensor, options?: { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(x: Tensor, options: UniqueOptions): Tensor[];
export function unique(x: Tensor, options: UniqueOptions = {}): Tensor | Tensor[] {
  const data = x.toTypedArray();
  const values = [...new Set(data)].sort((a, b) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b));
  const buf = allocate(x.dtype, values.length);
  values.forEach((v, i) => (buf[i] = v));
  const out = Tensor.fromData(buf, [values.length]);
  if (!options.returnInverse && !options.returnCounts) return out;
  const position = new Map(values.map((v, i) => [v, i]));
  const inverse = Int32Array.from(data, (v) => position.get(v)!);
  const counts = new Int32Array(values.length);
  for (const i of inverse) counts[i]++;
  return [
    out,
    ...(options.returnInverse ? [Tensor.fromData(inverse, x.shape)] : []),
    ...(options.returnCounts ? [Tensor.fromData(counts, [values.length])] : []),
  ];
}

/**
 * How often each value 0..max occurs in a 1-D int32 tensor (or the sum of `weights` there), at
 * least `minlength` long, like `torch.bincount`.
 * @example
 * bincount(tensor([0, 2, 2], { dtype: 'int32' })); // [1, 0, 2]
 */
export function bincount(x: Tensor, weights: Tensor | null = null, minlength = 0): Tensor {
  if (x.dtype !== 'int32' || x.ndim !== 1) throw new TypeError(`bincount: expected a 1-D int32 tensor, got ${x.dtype} of shape [${x.shape.join(', ')}]`);
  const data = x.toTypedArray();
  let max = -1;
  for (const v of data) {
    if (v < 0) throw new RangeError(`bincount: values must be non-negative, got ${v}`);
    max = Math.max(max, v);
  }
  if (weights && (weights.ndim !== 1 || weights.shape[0] !== data.length)) {
    throw new Error(`bincount: weights of shape [${weights.shape.join(', ')}] must match the input's shape [${data.length}]`);
  }
  const n = Math.max(max + 1, minlength);
  const w = weights?.toTypedArray();
  const out = weights ? (weights.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)) : new Int32Array(n);
  data.forEach((v, i) => (out[v] += w ? w[i] : 1));
  return Tensor.fromData(out, [n]);
}
