/**
 * softmax and logSoftmax as primitives (one fused, stable kernel each) over any dim.
 *   softmax:     dx = y ⊙ (dy − Σ dy⊙y)
 *   logSoftmax:  dx = dy − e^y ⊙ Σ dy
 */
import { record } from '../autograd/graph.js';
import { getBackend, type Kernels } from '../backend/index.js';
import { allocate, toFloating, type FloatArray } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { cast, exp, mul, sub } from './elementwise.js';
import { transpose } from './movement.js';
import { contiguousData } from '../tensor/strided.js';
import { sum } from './reduce.js';
import './methods.js';

function lastDimKernel(x: Tensor, dim: number, kernel: 'softmax' | 'logSoftmax', op: string): { y: Tensor; d: number } {
  const xf = cast(x, toFloating(x.dtype));
  if (xf.ndim === 0) {
    const y = lastDimKernel(xf.reshape(1), 0, kernel, op).y.reshape([]);
    return { y, d: 0 };
  }
  const d = normalizeDim(dim, xf.ndim, op);
  const moved = d === xf.ndim - 1 ? xf : transpose(xf, d, -1);
  const c = moved.contiguous().detach();
  const cols = c.shape[c.ndim - 1];
  const rows = cols === 0 ? 0 : c.numel() / cols;
  const out = allocate(c.dtype, c.numel()) as FloatArray;
  (getBackend()[kernel] as Kernels['softmax'])(contiguousData(c) as FloatArray, out, rows, cols);
  let y = Tensor.fromData(out, c.shape);
  if (d !== xf.ndim - 1) y = transpose(y, d, -1);
  return { y, d };
}

/**
 * Softmax along `dim`.
 * @example
 * tensor([1, 2, 3]).softmax(0); // [0.0900, 0.2447, 0.6652]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  const xf = cast(x, toFloating(x.dtype));
  const { y, d } = lastDimKernel(xf, dim, 'softmax', 'softmax');
  const op = { name: 'softmax', attrs: { dim: d } };
  return record(y, op, [xf], (dy) => [mul(y, sub(dy, sum(mul(dy, y), d, true)))], [y]);
}

/** Log of softmax along `dim`, computed as `x − logsumexp(x)` without overflow. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const xf = cast(x, toFloating(x.dtype));
  const { y, d } = lastDimKernel(xf, dim, 'logSoftmax', 'logSoftmax');
  const op = { name: 'logSoftmax', attrs: { dim: d } };
  return record(y, op, [xf], (dy) => [sub(dy, mul(exp(y), sum(dy, d, true)))], [y]);
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const softmaxMethods = {
  softmax(this: Tensor, dim: number): Tensor {
    return softmax(this, dim);
  },
  logSoftmax(this: Tensor, dim: number): Tensor {
    return logSoftmax(this, dim);
  },
};
installMethods(softmaxMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof softmaxMethods> {}
}
