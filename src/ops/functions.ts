/**
 * `torch.*` functions whose nabla form is a Tensor method, exported as functions too so a port
 * of `torch.max(x, 1)` or `torch.isfinite(x)` reads the same; plus isinf/isfinite/nanToNum.
 */
import { Tensor } from '../tensor/tensor.js';
import { abs, eq, logicalAnd, ne, where } from './elementwise.js';
import type { ValuesIndices } from './reduce.js';

/** `torch.max`: the largest element, `{ values, indices }` along `dim`, or the elementwise maximum with a tensor. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  if (dimOrOther === undefined) return x.max();
  return dimOrOther instanceof Tensor ? x.max(dimOrOther) : x.max(dimOrOther, keepdim);
}

/** `torch.min`: the smallest element, `{ values, indices }` along `dim`, or the elementwise minimum with a tensor. */
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

/** True where the element is NaN. */
export function isnan(x: Tensor): Tensor {
  return ne(x, x);
}

/** True where the element is +∞ or −∞. */
export function isinf(x: Tensor): Tensor {
  return eq(abs(x), Infinity);
}

/** True where the element is neither NaN nor infinite. */
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
