/**
 * Rounding division with PyTorch's result types: div with a rounding mode (the `x.div` method),
 * floorDivide, remainder, fmod, and trunc. Composites of the elementwise primitives.
 */
import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { isFloating, type DType } from '../tensor/dtype.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { asTensor, cast, ceil, div, floor, lt, mul, resultType, sub, where } from './elementwise.js';
import './methods.js';

/**
 * `floor(a / b)`, in the operands' promoted type (PyTorch 1.13's `floor_divide`).
 * @example
 * tensor([-7, 7]).floorDivide(2); // [-4, 3]
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  return cast(floor(quotient(a, b)), operandType(a, b));
}

/** a / b, in float64 when both are integers so the rounded quotient is exact over all of int32. */
function quotient(a: TensorLike, b: TensorLike): Tensor {
  if (isFloating(operandType(a, b))) return div(a, b);
  const wide = (v: TensorLike): TensorLike => (v instanceof Tensor ? cast(v, 'float64') : v);
  return div(wide(a), wide(b));
}

/**
 * `a - floor(a / b)·b`: the remainder with the divisor's sign (Python's `%`, `torch.remainder`).
 * @example
 * tensor([-7, 7]).remainder(3); // [2, 1]
 */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  return cast(sub(a, mul(b, floor(quotient(a, b)))), operandType(a, b));
}

/**
 * Rounds toward zero (`torch.trunc`); integer tensors are returned as they are.
 * @example
 * tensor([-1.5, 1.5]).trunc(); // [-1, 1]
 */
export function trunc(x: Tensor): Tensor {
  return where(lt(x, 0), ceil(x), floor(x));
}

export type RoundingMode = 'floor' | 'trunc';

/**
 * `a / b` rounded by `roundingMode` ('floor' or 'trunc'), keeping an integer type when both
 * operands are integers, like `torch.div(a, b, rounding_mode=...)`; without a mode, true division.
 * @example
 * tensor([-7, 7]).div(2, { roundingMode: 'trunc' }); // [-3, 3]
 */
export function divide(a: TensorLike, b: TensorLike, roundingMode?: RoundingMode | null): Tensor {
  if (roundingMode === undefined || roundingMode === null) return div(a, b);
  if (roundingMode !== 'floor' && roundingMode !== 'trunc')
    throw new OptionError(`div: roundingMode must be 'floor', 'trunc' or null, got ${JSON.stringify(roundingMode)}`);
  const q = quotient(a, b);
  return cast(roundingMode === 'floor' ? floor(q) : trunc(q), operandType(a, b));
}

function operandType(a: TensorLike, b: TensorLike): DType {
  return resultType(
    asTensor(a, b instanceof Tensor ? b.dtype : 'float32'),
    asTensor(b, a instanceof Tensor ? a.dtype : 'float32'),
  );
}

/**
 * `a − trunc(a / b)·b`: the remainder with the dividend's sign (C's fmod, `torch.fmod`).
 * @example
 * tensor([-7, 7]).fmod(3); // [-1, 1]
 */
export function fmod(a: TensorLike, b: TensorLike): Tensor {
  return cast(sub(a, mul(b, trunc(quotient(a, b)))), operandType(a, b));
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const roundingMethods = {
  /** True division, or rounded with `{ roundingMode: 'floor' | 'trunc' }` (PyTorch's rounding_mode). */
  div(this: Tensor, other: TensorLike, options: { roundingMode?: RoundingMode | null } = {}): Tensor {
    checkOptions('div', options, { roundingMode: true });
    return divide(this, other, options.roundingMode);
  },
  floorDivide(this: Tensor, other: TensorLike): Tensor {
    return floorDivide(this, other);
  },
  remainder(this: Tensor, other: TensorLike): Tensor {
    return remainder(this, other);
  },
  fmod(this: Tensor, other: TensorLike): Tensor {
    return fmod(this, other);
  },
  trunc(this: Tensor): Tensor {
    return trunc(this);
  },
};
installMethods(roundingMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof roundingMethods> {}
}
