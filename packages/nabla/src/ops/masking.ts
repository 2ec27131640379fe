/** Masking: the triangles tril/triu and maskedFill, composed from `where`. */
import { DTypeError, ShapeError } from '../tensor/errors.js';
import { checkValueFits } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { asTensor, cast, ge, le, sub, where } from './elementwise.js';
import { reshape } from './movement.js';
import { int32Range } from './rearrange.js';
import './methods.js';

function triangleMask(x: Tensor, diagonal: number, lower: boolean, op: string): Tensor {
  if (x.ndim < 2)
    throw new ShapeError(`${op}: input tensor must have at least 2 dimensions, got shape ${formatShape(x.shape)}`);
  const [r, c] = x.shape.slice(-2);
  const rows = reshape(int32Range(r), [r, 1]);
  const cols = reshape(int32Range(c), [1, c]);
  const offset = sub(cols, rows); // column - row
  return lower ? le(offset, diagonal) : ge(offset, diagonal);
}

/**
 * Keeps the lower triangle (`col - row <= diagonal`) of the last two dims, zeroing the rest.
 * @example
 * ones([3, 3]).tril().sum(); // 6
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return where(triangleMask(x, diagonal, true, 'tril'), x, 0);
}

/**
 * Keeps the upper triangle (`col - row >= diagonal`) of the last two dims, zeroing the rest.
 * @example
 * ones([2, 3]).triu(1); // [[0, 1, 1], [0, 0, 1]]
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return where(triangleMask(x, diagonal, false, 'triu'), x, 0);
}

/**
 * `value` where `mask` (a bool tensor broadcastable to x) is true, else x; keeps x's dtype,
 * like `Tensor.masked_fill`.
 * @example
 * tensor([1, 2, 3]).maskedFill(tensor([true, false, true]), 0); // [0, 2, 0]
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new ShapeError(`maskedFill: value must be a number or a 0-d tensor, got shape ${formatShape(value.shape)}`);
  }
  if (typeof value === 'number') checkValueFits(value, x.dtype, 'maskedFill');
  const filled = where(mask, cast(asTensor(value, x.dtype), x.dtype), x);
  if (filled.ndim !== x.ndim || filled.shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(
      `maskedFill: mask of shape ${formatShape(mask.shape)} is not broadcastable to the input's shape ${formatShape(x.shape)}`,
    );
  }
  return filled;
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const maskingMethods = {
  tril(this: Tensor, diagonal = 0): Tensor {
    return tril(this, diagonal);
  },
  triu(this: Tensor, diagonal = 0): Tensor {
    return triu(this, diagonal);
  },
  maskedFill(this: Tensor, mask: Tensor, value: TensorLike): Tensor {
    return maskedFill(this, mask, value);
  },
};
installMethods(maskingMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof maskingMethods> {}
}
