/**
 * Trigonometric and hyperbolic functions PyTorch has and the core unary table does not. Each runs
 * the backend's ops.math kernel forward (double-precision Math.tan, Math.asinh, ... in the js
 * backend) with a one-line rule written in tensor ops; exp2 is a composite.
 */
import { record } from '../autograd/graph.js';
import { getBackend } from '../backend/index.js';
import type { MathOp } from '../backend/kernels.js';
import { allocate, toFloating, type FloatArray } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { asTensor, cast, resultType } from './elementwise.js';
import { expand } from './movement.js';
import './methods.js';

type Rule = (x: Tensor, y: Tensor, dy: Tensor) => Tensor;

function unaryLoop(name: MathOp, rule: Rule): (x: Tensor) => Tensor {
  return (input) => {
    const x = cast(input, toFloating(input.dtype));
    const src = x.toTypedArray();
    const out = allocate(x.dtype, src.length) as FloatArray;
    getBackend().ops.math[name](src, out);
    const y = Tensor.fromData(out, x.shape);
    return record(y, name, [x], (dy) => [rule(x, y, dy)], [x]);
  };
}

// d tan x = 1 + tan²x
export const tan = unaryLoop('tan', (_x, y, dy) => dy.mul(y.square().add(1)));
// d atan x = 1 / (1 + x²)
export const atan = unaryLoop('atan', (x, _y, dy) => dy.div(x.square().add(1)));
// d asin x = 1 / √(1 − x²)
export const asin = unaryLoop('asin', (x, _y, dy) => dy.mul(x.square().neg().add(1).rsqrt()));
// d acos x = −1 / √(1 − x²)
export const acos = unaryLoop('acos', (x, _y, dy) => dy.mul(x.square().neg().add(1).rsqrt()).neg());

// d sinh x = cosh x;  d cosh x = sinh x
export const sinh = unaryLoop('sinh', (x, _y, dy) => dy.mul(cosh(x)));
export const cosh = unaryLoop('cosh', (x, _y, dy) => dy.mul(sinh(x)));
// d asinh x = 1 / √(x² + 1);  d acosh x = 1 / √(x² − 1);  d atanh x = 1 / (1 − x²)
export const asinh = unaryLoop('asinh', (x, _y, dy) => dy.mul(x.square().add(1).rsqrt()));
export const acosh = unaryLoop('acosh', (x, _y, dy) => dy.mul(x.square().sub(1).rsqrt()));
export const atanh = unaryLoop('atanh', (x, _y, dy) => dy.div(x.square().neg().add(1)));
/**
 * `2^x`.
 * @example
 * tensor([3]).exp2(); // [8]
 */
export function exp2(x: Tensor): Tensor {
  return x.mul(Math.LN2).exp();
}

/**
 * The angle of the point (x, y) in (−π, π], elementwise with broadcasting, like `torch.atan2(y, x)`.
 * @example
 * atan2(tensor([1]), tensor([-1])); // [2.3562]
 */
export function atan2(yIn: TensorLike, xIn: TensorLike): Tensor {
  const y0 = asTensor(yIn, xIn instanceof Tensor ? xIn.dtype : 'float32');
  const x0 = asTensor(xIn, y0.dtype);
  const dtype = toFloating(resultType(y0, x0));
  const shape = broadcastShapes(y0.shape, x0.shape, 'atan2');
  const [y, x] = [cast(y0, dtype), cast(x0, dtype)];
  const ys = expand(y.detach(), shape).toTypedArray();
  const xs = expand(x.detach(), shape).toTypedArray();
  const out = allocate(dtype, ys.length) as FloatArray;
  getBackend().ops.atan2(ys, xs, out);
  // d atan2(y, x) = (x·dy − y·dx) / (x² + y²)
  return record(
    Tensor.fromData(out, shape),
    'atan2',
    [y, x],
    (dy) => {
      const r2 = x.square().add(y.square());
      return [dy.mul(x).div(r2), dy.mul(y).neg().div(r2)];
    },
    [y, x],
  );
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const trigMethods = {
  tan(this: Tensor): Tensor {
    return tan(this);
  },
  atan(this: Tensor): Tensor {
    return atan(this);
  },
  asin(this: Tensor): Tensor {
    return asin(this);
  },
  acos(this: Tensor): Tensor {
    return acos(this);
  },
  sinh(this: Tensor): Tensor {
    return sinh(this);
  },
  cosh(this: Tensor): Tensor {
    return cosh(this);
  },
  asinh(this: Tensor): Tensor {
    return asinh(this);
  },
  acosh(this: Tensor): Tensor {
    return acosh(this);
  },
  atanh(this: Tensor): Tensor {
    return atanh(this);
  },
  exp2(this: Tensor): Tensor {
    return exp2(this);
  },
  /** `atan2(this, other)`: the angle of (other, this), like `torch.atan2(input, other)`. */
  atan2(this: Tensor, other: TensorLike): Tensor {
    return atan2(this, other);
  },
};
installMethods(trigMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof trigMethods> {}
}
