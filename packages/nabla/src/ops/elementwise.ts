/**
 * Elementwise primitives (unary, binary with broadcasting, where, cast) with their gradients.
 * Each rule returns the gradient at the output's shape; the engine sums it back to each input's
 * (broadcast) shape, so no rule handles broadcasting itself.
 */
import { exclusiveGrad, record, traced } from '../autograd/graph.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { getBackend, type BinaryOp, type UnaryOp } from '../backend/index.js';
import {
  allocate,
  allocateOverwritten,
  checkDType,
  isFloating,
  promoteTypes,
  toFloating,
  type DType,
} from '../tensor/dtype.js';
import { DTypeError } from '../tensor/errors.js';
import { broadcastShapes, numel, type Shape } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { logicalAnd, logicalOr } from './comparison.js';
import { broadcastStrides, contiguousData, strided } from '../tensor/strided.js';
import './methods.js';

/**
 * A number becomes a 0-d tensor of `dtype`, or float32 if `dtype` is integral and the number is
 * not an int32 (fractional, NaN, or beyond ±2^31: JS cannot tell 3e9 from 3000000000, and
 * PyTorch's int32 tensor + 3e9 is float).
 */
export function asTensor(x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new DTypeError(`expected a Tensor or a number, got ${typeof x}`);
  // Any number with a bool tensor is at least int32 (JS has no bool scalars; PyTorch's bool + 1
  // is an integer).
  const dt = !isFloating(dtype) && (x | 0) !== x ? 'float32' : dtype === 'bool' ? 'int32' : dtype;
  const data = allocate(dt, 1);
  data[0] = x;
  return Tensor.fromData(data, []);
}

// ---- unary --------------------------------------------------------------------------------

type UnaryRule = (x: Tensor, y: Tensor, dy: Tensor) => Tensor;

function unary(op: UnaryOp, rule: UnaryRule | null, floatOnly = true): (x: TensorLike) => Tensor {
  return (input) => {
    let x = asTensor(input);
    if (floatOnly) x = cast(x, toFloating(x.dtype));
    const out = allocate(x.dtype, x.numel());
    getBackend().unary[op](contiguousData(x), out);
    const y = Tensor.fromData(out, x.shape);
    if (!rule) return y;
    return record(y, op, [x], (dy) => [rule(x, y, dy)], [x, y]);
  };
}

const zeroGrad: UnaryRule = (x) => zerosOf(x);

export const neg = unary('neg', (_x, _y, dy) => neg(dy), false);
export const exp = unary('exp', (_x, y, dy) => mul(dy, y)); // d e^x = e^x
export const log = unary('log', (x, _y, dy) => div(dy, x)); // d ln x = 1/x
export const sqrt = unary('sqrt', (_x, y, dy) => div(mul(dy, 0.5), y)); // d √x = 1/(2√x)
export const reciprocal = unary('recip', (_x, y, dy) => neg(mul(dy, mul(y, y)))); // d(1/x) = -1/x²
export const abs = unary('abs', (x, _y, dy) => mul(dy, sign(x)), false);
export const sign = unary('sign', zeroGrad, false);
export const sin = unary('sin', (x, _y, dy) => mul(dy, cos(x)));
export const cos = unary('cos', (x, _y, dy) => neg(mul(dy, sin(x))));
export const tanh = unary('tanh', (_x, y, dy) => mul(dy, sub(1, mul(y, y)))); // 1 - tanh²
export const sigmoid = unary('sigmoid', (_x, y, dy) => mul(dy, mul(y, sub(1, y)))); // σ(1-σ)
// Gradient passes unless y <= 0, so a NaN input passes it on (PyTorch's threshold_backward).
export const relu = unary('relu', (_x, y, dy) => reluGrad(y, dy), false);

/** `where(le(y, 0), 0, dy)`, fused into one pass when the backend has it and no graph is being built. */
function reluGrad(y: Tensor, dy: Tensor): Tensor {
  const kernel = getBackend().reluBackward;
  const same = y.shape.length === dy.shape.length && y.shape.every((d, i) => d === dy.shape[i]);
  if (kernel && same && y.dtype === 'float32' && dy.dtype === 'float32' && !(isGradEnabled() && dy.requiresGrad)) {
    const out = allocateOverwritten('float32', y.numel()) as Float32Array; // the kernel writes every element
    kernel(contiguousData(y) as Float32Array, contiguousData(dy) as Float32Array, out);
    return exclusiveGrad(Tensor.fromData(out, y.shape));
  }
  return where(le(y, 0), 0, dy);
}
// d erf(x) = 2/√π · e^{-x²}
export const erf = unary('erf', (x, _y, dy) => mul(dy, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));
export const log1p = unary('log1p', (x, _y, dy) => div(dy, add(x, 1)));
export const expm1 = unary('expm1', (_x, y, dy) => mul(dy, add(y, 1)));
/** `x·x`, like `torch.square`. */
export const square = (x: TensorLike): Tensor => mul(x, x);
/** `1/√x`, like `torch.rsqrt`. */
export const rsqrt = (x: TensorLike): Tensor => reciprocal(sqrt(x));
export const floor = unary('floor', zeroGrad, false);
export const ceil = unary('ceil', zeroGrad, false);
export const round = unary('round', zeroGrad, false);

function zerosOf(t: Tensor): Tensor {
  return Tensor.fromData(allocate(t.dtype, t.numel()), t.shape);
}

// ---- binary -------------------------------------------------------------------------------

type BinaryRule = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => readonly [Tensor | null, Tensor | null];

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };

/**
 * PyTorch's result type of two operands: a 0-d tensor (or a number) only raises the type of a
 * dimensioned one when it is of a higher category (bool < integer < float), so
 * `float32[n] + float64[]` stays float32 while `int32[n] + float64[]` becomes float64.
 * @example
 * resultType(zeros([2]), tensor(1, { dtype: 'float64' })); // 'float32'
 */
export function resultType(a: Tensor, b: Tensor): DType {
  const a0 = a.ndim === 0;
  if (a0 === (b.ndim === 0)) return promoteTypes(a.dtype, b.dtype);
  const [dim, zero] = a0 ? [b.dtype, a.dtype] : [a.dtype, b.dtype];
  return CATEGORY[zero] > CATEGORY[dim] ? promoteTypes(dim, zero) : dim;
}

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/**
 * Operands as tensors, the type the kernel computes in, and the output type. A bare number
 * adopts the tensor's type; `div` (and `pow` by a fraction) is true division; comparisons give
 * bool; bool + bool and bool * bool stay bool (or / and), as in PyTorch.
 */
function operands(x: TensorLike, y: TensorLike, op: BinaryOp): [Tensor, Tensor, DType, DType] {
  const a = x instanceof Tensor ? x : asTensor(x, y instanceof Tensor ? y.dtype : 'float32');
  const b = y instanceof Tensor ? y : asTensor(y, a.dtype);
  let computeType = resultType(a, b);
  if (op === 'div' || (op === 'pow' && !isFloating(computeType) && b.dtype !== 'int32'))
    computeType = toFloating(computeType);
  if (COMPARISONS.has(op)) return [a, b, computeType, 'bool'];
  if (computeType !== 'bool' || op === 'maximum' || op === 'minimum') return [a, b, computeType, computeType];
  return [a, b, 'int32', op === 'add' || op === 'mul' ? 'bool' : 'int32'];
}

function binary(op: BinaryOp, rule: BinaryRule | null): (x: TensorLike, y: TensorLike) => Tensor {
  return (x, y) => {
    const [a0, b0, computeType, outType] = operands(x, y, op);
    const a = cast(a0, computeType);
    const b = cast(b0, computeType);
    const shape = broadcastShapes(a.shape, b.shape, op);
    // Every binary kernel writes each element of its output.
    const out = allocateOverwritten(outType === 'bool' && !COMPARISONS.has(op) ? computeType : outType, numel(shape));
    getBackend().binary[op](
      { data: a.storage.data, strides: broadcastStrides(a, shape), offset: a.offset },
      { data: b.storage.data, strides: broadcastStrides(b, shape), offset: b.offset },
      out,
      shape,
    );
    if (outType === 'bool' && !COMPARISONS.has(op)) return cast(Tensor.fromData(out, shape), 'bool');
    const result = Tensor.fromData(out, shape);
    if (!rule) return traced(result, op, [a, b]);
    return record(result, op, [a, b], (dy) => rule(a, b, result, dy), [a, b, result]);
  };
}

export const add = binary('add', (_a, _b, _y, dy) => [dy, dy]);
// Each operand's gradient only when it needs one (a dropout mask or a constant does not).
export const sub = binary('sub', (_a, b, _y, dy) => [dy, b.requiresGrad ? neg(dy) : null]);
export const mul = binary('mul', (a, b, _y, dy) => [
  a.requiresGrad ? mul(dy, b) : null,
  b.requiresGrad ? mul(dy, a) : null,
]);
// d(a/b) = da/b - a·db/b²
export const div = binary('div', (_a, b, y, dy) => [div(dy, b), b.requiresGrad ? neg(div(mul(dy, y), b)) : null]);
export const pow = binary('pow', (a, b, y, dy) => [
  // d a^b / da = b·a^(b-1), taken as 0 where b == 0 (PyTorch's convention)
  where(eq(b, 0), 0, mul(dy, mul(b, pow(a, sub(b, 1))))),
  // d a^b / db = a^b·ln a, taken as 0 where a == 0 and b >= 0
  b.requiresGrad ? where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(dy, mul(y, log(a)))) : null,
]);
// PyTorch's rule: an operand gets dy unless it lost (0) or tied (dy/2), so with a NaN, whose
// comparisons are all false, both operands get dy.
const extremumRule =
  (lose: typeof gt): BinaryRule =>
  (a, b, _y, dy) => {
    const shared = where(eq(a, b), mul(dy, 0.5), dy);
    return [where(lose(a, b), 0, shared), where(lose(b, a), 0, shared)];
  };
export const maximum = binary(
  'maximum',
  extremumRule((p, q) => lt(p, q)),
);
export const minimum = binary(
  'minimum',
  extremumRule((p, q) => gt(p, q)),
);
export const eq = binary('eq', null);
export const ne = binary('ne', null);
export const lt = binary('lt', null);
export const le = binary('le', null);
export const gt = binary('gt', null);
export const ge = binary('ge', null);

/**
 * Writes `target op other` straight into `target`'s memory when that is safe and exact: target
 * contiguous, the result type is target's, `other` broadcasts to target's shape and does not
 * share its storage. Returns false (nothing written) otherwise, and the caller copies instead.
 */
export function binaryInto(op: 'add' | 'sub' | 'mul' | 'div', target: Tensor, other: TensorLike): boolean {
  const b0 = other instanceof Tensor ? other : asTensor(other, target.dtype);
  if (!target.isContiguous() || b0.storage === target.storage || !isFloating(target.dtype)) return false;
  if (resultType(target, b0) !== target.dtype || b0.ndim > target.ndim) return false;
  for (let i = 0, lead = target.ndim - b0.ndim; i < b0.ndim; i++) {
    if (b0.shape[i] !== 1 && b0.shape[i] !== target.shape[lead + i]) return false;
  }
  const b = cast(b0, target.dtype);
  const n = target.numel();
  const data = target.storage.data;
  // The whole array (a fresh product, a gradient) is passed as it is: no view per call.
  const out = target.offset === 0 && data.length === n ? data : data.subarray(target.offset, target.offset + n);
  getBackend().binary[op](strided(target), strided(b, target.shape), out, target.shape);
  return true;
}

/** A clamp bound as a tracer sees it: the number, 'tensor' (then it is an input), or null. */
const boundAttr = (given: boolean, b: TensorLike | null | undefined): number | 'tensor' | null =>
  !given ? null : typeof b === 'number' ? b : 'tensor';

// ---- where, clamp, cast -------------------------------------------------------------------

/** `condition ? a : b` elementwise, all three broadcast together. */
export function where(condition: Tensor, x: TensorLike, y: TensorLike): Tensor {
  const [a0, b0] = operands(x, y, 'maximum');
  const dtype = resultType(a0, b0);
  const a = cast(a0, dtype);
  const b = cast(b0, dtype);
  const cond = cast(condition, 'bool');
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const out = allocate(dtype, numel(shape));
  getBackend().where(strided(cond, shape), strided(a, shape), strided(b, shape), out, shape);
  const result = Tensor.fromData(out, shape);
  const op = { name: 'where', inputs: [cond, a, b] };
  return record(result, op, [a, b], (dy) => [where(cond, dy, 0), where(cond, 0, dy)], [cond]);
}

/**
 * Clamps into [min, max]; bounds are numbers or tensors (broadcast). The gradient flows to `x`
 * where min <= x <= max (inclusive, never at NaN), and to a tensor bound where it was selected —
 * with PyTorch's rules when min > max (max wins) or min == max.
 * @example
 * tensor([-2, 0.5, 3]).clamp(0, 1); // [0, 0.5, 1]
 */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  const hasMin = min !== undefined && min !== null;
  const hasMax = max !== undefined && max !== null;
  if (!hasMin && !hasMax) throw new Error('clamp: at least one of min and max must be given');
  let y = x.detach();
  if (hasMin) y = where(lt(y, min), min instanceof Tensor ? min.detach() : min, y);
  // Compare the min-clamped value, so min > max gives max everywhere, as torch.clamp does.
  if (hasMax) y = where(gt(y, max), max instanceof Tensor ? max.detach() : max, y);
  const bounds = [hasMin ? min : null, hasMax ? max : null].filter((b): b is Tensor => b instanceof Tensor);
  return record(
    y,
    { name: 'clamp', attrs: { min: boundAttr(hasMin, min), max: boundAttr(hasMax, max) } },
    [x, ...bounds],
    (dy) => {
      const inside = hasMin && hasMax ? logicalAnd(ge(x, min), le(x, max)) : hasMin ? ge(x, min) : le(x, max!);
      const grads = [where(inside, dy, 0)];
      // torch 1.13: d/dmin where x < min < max; d/dmax where x > max or max < min.
      if (min instanceof Tensor) grads.push(where(hasMax ? logicalAnd(lt(x, min), lt(min, max)) : lt(x, min), dy, 0));
      if (max instanceof Tensor) grads.push(where(hasMin ? logicalOr(gt(x, max), lt(max, min)) : gt(x, max), dy, 0));
      return grads;
    },
    [x, ...bounds],
  );
}

/** Converts to `dtype`; float-to-float casts pass gradients through. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  checkDType(dtype, 'to');
  const out = allocate(dtype, x.numel());
  getBackend().cast(contiguousData(x), out);
  const y = Tensor.fromData(out, x.shape);
  if (!isFloating(dtype)) return traced(y, 'cast', [x]);
  return record(y, 'cast', [x], (dy) => [cast(dy, x.dtype)]);
}

export type { Shape };

/** The Tensor methods of this family (see tensor/methods.ts). */
export const elementwiseMethods = {
  /** Casts to `dtype` (differentiable between float types); returns `this` if it already is. */
  to(this: Tensor, dtype: DType): Tensor {
    return cast(this, dtype);
  },
  float(this: Tensor): Tensor {
    return cast(this, 'float32');
  },
  double(this: Tensor): Tensor {
    return cast(this, 'float64');
  },
  int(this: Tensor): Tensor {
    return cast(this, 'int32');
  },
  bool(this: Tensor): Tensor {
    return cast(this, 'bool');
  },
  /** int32: nabla's integer type stands in for PyTorch's int64 (`y.long()` for class labels). */
  long(this: Tensor): Tensor {
    return cast(this, 'int32');
  },
  typeAs(this: Tensor, other: Tensor): Tensor {
    return cast(this, other.dtype);
  },
  add(this: Tensor, other: TensorLike, alpha?: number): Tensor {
    return add(this, alpha === undefined ? other : mul(other, alpha));
  },
  sub(this: Tensor, other: TensorLike, alpha?: number): Tensor {
    return sub(this, alpha === undefined ? other : mul(other, alpha));
  },
  mul(this: Tensor, other: TensorLike): Tensor {
    return mul(this, other);
  },
  pow(this: Tensor, exponent: TensorLike): Tensor {
    return pow(this, exponent);
  },
  maximum(this: Tensor, other: TensorLike): Tensor {
    return maximum(this, other);
  },
  minimum(this: Tensor, other: TensorLike): Tensor {
    return minimum(this, other);
  },
  neg(this: Tensor): Tensor {
    return neg(this);
  },
  exp(this: Tensor): Tensor {
    return exp(this);
  },
  log(this: Tensor): Tensor {
    return log(this);
  },
  sqrt(this: Tensor): Tensor {
    return sqrt(this);
  },
  rsqrt(this: Tensor): Tensor {
    return rsqrt(this);
  },
  reciprocal(this: Tensor): Tensor {
    return reciprocal(this);
  },
  square(this: Tensor): Tensor {
    return square(this);
  },
  abs(this: Tensor): Tensor {
    return abs(this);
  },
  sign(this: Tensor): Tensor {
    return sign(this);
  },
  sin(this: Tensor): Tensor {
    return sin(this);
  },
  cos(this: Tensor): Tensor {
    return cos(this);
  },
  tanh(this: Tensor): Tensor {
    return tanh(this);
  },
  sigmoid(this: Tensor): Tensor {
    return sigmoid(this);
  },
  relu(this: Tensor): Tensor {
    return relu(this);
  },
  erf(this: Tensor): Tensor {
    return erf(this);
  },
  log1p(this: Tensor): Tensor {
    return log1p(this);
  },
  expm1(this: Tensor): Tensor {
    return expm1(this);
  },
  floor(this: Tensor): Tensor {
    return floor(this);
  },
  ceil(this: Tensor): Tensor {
    return ceil(this);
  },
  round(this: Tensor): Tensor {
    return round(this);
  },
  clamp(this: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return clamp(this, min, max);
  },
  clip(this: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return clamp(this, min, max);
  },
  eq(this: Tensor, other: TensorLike): Tensor {
    return eq(this, other);
  },
  ne(this: Tensor, other: TensorLike): Tensor {
    return ne(this, other);
  },
  lt(this: Tensor, other: TensorLike): Tensor {
    return lt(this, other);
  },
  le(this: Tensor, other: TensorLike): Tensor {
    return le(this, other);
  },
  gt(this: Tensor, other: TensorLike): Tensor {
    return gt(this, other);
  },
  ge(this: Tensor, other: TensorLike): Tensor {
    return ge(this, other);
  },
  /** `where(condition, this, other)`, like `Tensor.where` in PyTorch. */
  where(this: Tensor, condition: Tensor, other: TensorLike): Tensor {
    return where(condition, this, other);
  },
};
installMethods(elementwiseMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof elementwiseMethods> {}
}
