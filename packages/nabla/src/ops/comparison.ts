/**
 * Comparisons beyond the elementwise primitives (eq, lt… live in elementwise.ts): logical ops on
 * truth values, any/all, NaN and infinity tests, isclose/allclose/equal. Composites: no gradients.
 */
import { checkOptions } from '../tensor/options.js';
import { noGrad } from '../autograd/grad-mode.js';
import { promoteTypes, toFloating } from '../tensor/dtype.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { abs, add, asTensor, cast, eq, gt, le, mul, ne, sub, where } from './elementwise.js';
import { sum } from './reduce.js';
import './methods.js';

const truthy = (x: TensorLike): Tensor => (x instanceof Tensor && x.dtype === 'bool' ? x : ne(x, 0));

/**
 * True where both are nonzero (bool result), like `torch.logical_and`.
 * @example
 * logicalAnd(tensor([true, false]), tensor([true, true])); // [true, false]
 */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return cast(mul(truthy(a), truthy(b)), 'bool');
}
/**
 * True where either is nonzero, like `torch.logical_or`.
 * @example
 * logicalOr(tensor([true, false]), tensor([false, false])); // [true, false]
 */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return gt(add(cast(truthy(a), 'int32'), cast(truthy(b), 'int32')), 0);
}
/**
 * True where exactly one is nonzero, like `torch.logical_xor`.
 * @example
 * logicalXor(tensor([true, false]), tensor([true, true])); // [false, true]
 */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return ne(truthy(a), truthy(b));
}

/**
 * True where any element along `dim` (all dims when omitted) is nonzero; a bool tensor.
 * @example
 * tensor([[0, 1], [0, 0]]).any(1); // [true, false]
 */
export function any(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return gt(sum(cast(truthy(x), 'int32'), dim, keepdim), 0);
}

/**
 * True where every element along `dim` (all dims when omitted) is nonzero; a bool tensor.
 * @example
 * tensor([[1, 1], [0, 1]]).all(1); // [true, false]
 */
export function all(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const zero = eq(cast(truthy(x), 'int32'), 0);
  return eq(sum(cast(zero, 'int32'), dim, keepdim), 0);
}

/**
 * True where the element is zero (or false), like `torch.logical_not`.
 * @example
 * logicalNot(tensor([true, false])); // [false, true]
 */
export function logicalNot(x: Tensor): Tensor {
  return eq(x, 0);
}

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
  checkOptions('nanToNum', options, { nan: true, posinf: true, neginf: true });
  const big = x.dtype === 'float64' ? Number.MAX_VALUE : 3.4028234663852886e38;
  const { nan = 0, posinf = big, neginf = -big } = options;
  let y = where(ne(x, x), nan, x);
  y = where(eq(y, Infinity), posinf, y);
  return where(eq(y, -Infinity), neginf, y);
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/**
 * `|a - b| <= atol + rtol·|b|` elementwise (infinities equal themselves), like `torch.isclose`.
 * @example
 * tensor([1, 2]).isclose(tensor([1 + 1e-7, 2.1])); // [true, false]
 */
export function isclose(a: Tensor, b: TensorLike, options: CloseOptions = {}): Tensor {
  checkOptions('isclose', options, { rtol: true, atol: true, equalNan: true });
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
  return noGrad(() => {
    const bt = asTensor(b, a.dtype);
    const dt = promoteTypes(toFloating(a.dtype), toFloating(bt.dtype));
    const x = cast(a, dt);
    const y = cast(bt, dt);
    const diff = abs(sub(x, y));
    // An infinite difference is never "within" tolerance, even against an infinite rtol·|b|.
    const within = logicalAnd(ne(diff, Infinity), le(diff, add(mul(abs(y), rtol), atol)));
    let close = logicalOr(eq(x, y), within);
    if (equalNan) close = logicalOr(close, logicalAnd(ne(x, x), ne(y, y)));
    return close;
  });
}

/**
 * Whether every element of `a` is close to `b` (see `isclose`), like `torch.allclose`.
 * @example
 * tensor([1, 2]).allclose(tensor([1, 2 + 1e-6])); // true
 */
export function allclose(a: Tensor, b: TensorLike, options: CloseOptions = {}): boolean {
  return all(isclose(a, b, options)).item() !== 0;
}

/**
 * Same shape and same elements, like `torch.equal`.
 * @example
 * equal(tensor([1, 2]), tensor([1, 2])); // true
 */
export function equal(a: Tensor, b: Tensor): boolean {
  if (a.ndim !== b.ndim || a.shape.some((s, i) => s !== b.shape[i])) return false;
  return all(eq(a, b)).item() !== 0;
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const comparisonMethods = {
  logicalAnd(this: Tensor, other: TensorLike): Tensor {
    return logicalAnd(this, other);
  },
  logicalOr(this: Tensor, other: TensorLike): Tensor {
    return logicalOr(this, other);
  },
  logicalXor(this: Tensor, other: TensorLike): Tensor {
    return logicalXor(this, other);
  },
  logicalNot(this: Tensor): Tensor {
    return logicalNot(this);
  },
  any(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
    return any(this, dim, keepdim);
  },
  all(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
    return all(this, dim, keepdim);
  },
  isnan(this: Tensor): Tensor {
    return isnan(this);
  },
  isinf(this: Tensor): Tensor {
    return isinf(this);
  },
  isfinite(this: Tensor): Tensor {
    return isfinite(this);
  },
  nanToNum(this: Tensor, options: NanToNumOptions = {}): Tensor {
    return nanToNum(this, options);
  },
  isclose(this: Tensor, other: TensorLike, options: CloseOptions = {}): Tensor {
    return isclose(this, other, options);
  },
  allclose(this: Tensor, other: TensorLike, options: CloseOptions = {}): boolean {
    return allclose(this, other, options);
  },
  equal(this: Tensor, other: Tensor): boolean {
    return equal(this, other);
  },
};
installMethods(comparisonMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof comparisonMethods> {}
}
