/**
 * scatter / scatterAdd (the inverses of gather), and the data-dependent selections nonzero and
 * maskedSelect. Scatter walks the index once (the backend's ops.scatterAlong); its gradients are
 * gathers of the output's.
 */
import { DTypeError, IndexError, ShapeError } from '../tensor/errors.js';
import { record } from '../autograd/graph.js';
import { getBackend } from '../backend/index.js';
import { allocate, type TypedArray } from '../tensor/dtype.js';
import { formatShape, normalizeDim, numel } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { asTensor, cast } from './elementwise.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { zeros } from '../tensor/create.js';
import { gather } from './indexing.js';
import { cat, expand, reshape } from './movement.js';
import './methods.js';

function checkArgs(op: string, x: Tensor, d: number, index: Tensor, src: Tensor): Int32Array {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  if (index.ndim !== x.ndim || src.ndim !== x.ndim) {
    throw new ShapeError(
      `${op}: index ${formatShape(index.shape)}, src ${formatShape(src.shape)} and input ${formatShape(x.shape)} must have the same number of dims`,
    );
  }
  index.shape.forEach((s, j) => {
    if (s > src.shape[j] || (j !== d && s > x.shape[j])) {
      throw new ShapeError(
        `${op}: index shape ${formatShape(index.shape)} must not exceed src ${formatShape(src.shape)} nor, outside dim ${d}, input ${formatShape(x.shape)}`,
      );
    }
  });
  const idx = index.toTypedArray() as Int32Array;
  const size = x.shape[d];
  for (const v of idx)
    if (v < 0 || v >= size)
      throw new IndexError(`${op}: index ${v} is out of bounds for dimension ${d} with size ${size}`);
  return idx;
}

function scatterImpl(
  op: 'scatter' | 'scatterAdd',
  x: Tensor,
  dim: number,
  index: Tensor,
  source: Tensor | number,
): Tensor {
  const d = normalizeDim(dim, x.ndim, op);
  const src = source instanceof Tensor ? cast(source, x.dtype) : expand(asTensor(source, x.dtype), index.shape);
  const idx = checkArgs(op, x, d, index, src);
  const out = x.toTypedArray();
  const s = src.toTypedArray();
  const kernels = getBackend().ops;
  kernels.scatterAlong(op === 'scatter' ? 'assign' : 'add', out, s, idx, index.shape, x.shape, src.shape, d);
  const inputs = source instanceof Tensor ? [x, src] : [x];
  return record(
    Tensor.fromData(out, x.shape),
    op,
    inputs,
    (dy) => {
      if (isGradEnabled()) {
        // createGraph: the same gradients in recorded ops (src's part gathered, then zero-padded
        // to src's shape where the index covers less of it).
        const dx = op === 'scatter' ? scatterImpl('scatter', dy, d, index, 0) : dy;
        return source instanceof Tensor ? [dx, padTo(gather(dy, d, index), src.shape)] : [dx];
      }
      const g = dy.toTypedArray();
      const gx: TypedArray = g.slice();
      const gs = allocate(dy.dtype, numel(src.shape));
      kernels.scatterAlong('gather', g, gs, idx, index.shape, x.shape, src.shape, d);
      // scatter overwrote those positions, so x's old values there did not reach the output
      if (op === 'scatter') kernels.scatterAlong('zero', gx, gs, idx, index.shape, x.shape, src.shape, d);
      const dx = Tensor.fromData(gx, x.shape);
      return source instanceof Tensor ? [dx, Tensor.fromData(gs, src.shape)] : [dx];
    },
    [x, src],
  );
}

/** `t` with zeros appended along each dim to reach `shape` (at least t's size everywhere). */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  let out = t;
  shape.forEach((size, i) => {
    if (out.shape[i] < size) {
      const fill = [...out.shape];
      fill[i] = size - out.shape[i];
      out = cat([out, zeros(fill, { dtype: out.dtype })], i);
    }
  });
  return out;
}

/**
 * A copy of `x` with `src` values written at `index` along `dim` (`out[i][index[i][j]] = src[i][j]`
 * for dim 1), like `Tensor.scatter`; `src` may be a number.
 * @example
 * zeros([2, 3]).scatter(1, tensor([[2], [0]], { dtype: 'int32' }), 1); // [[0, 0, 1], [1, 0, 0]]
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return scatterImpl('scatter', x, dim, index, src);
}

/**
 * Like `scatter`, but adds into `x` (repeated indices accumulate), like `Tensor.scatter_add`.
 * @example
 * zeros([3]).scatterAdd(0, tensor([0, 2, 0], { dtype: 'int32' }), ones([3])); // [2, 0, 1]
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return scatterImpl('scatterAdd', x, dim, index, src);
}

/**
 * Indices of the nonzero elements, one row per element: int32 [n, ndim], like `torch.nonzero`.
 * @example
 * tensor([[0, 1], [2, 0]]).nonzero(); // [[0, 1], [1, 0]]
 */
export function nonzero(x: Tensor): Tensor {
  const data = x.toTypedArray();
  const coords = getBackend().ops.nonzero(data, x.shape);
  // A 0-d tensor's nonzero rows have no coordinates to count, so count its one element.
  const found = x.ndim === 0 ? Number(data[0] !== 0) : coords.length / x.ndim;
  return Tensor.fromData(coords, [found, x.ndim]);
}

/**
 * The elements where the bool `mask` (broadcast to x) is true, as a 1-D tensor, like `torch.masked_select`.
 * @example
 * tensor([1, 2, 3]).maskedSelect(tensor([true, false, true])); // [1, 3]
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedSelect: mask must be a bool tensor, got ${mask.dtype}`);
  const flatMask = expand(mask, x.shape).toTypedArray();
  const picks = getBackend().ops.nonzero(flatMask, [flatMask.length]);
  const flat = reshape(x, [x.numel()]);
  return flat.indexSelect(0, Tensor.fromData(picks, [picks.length]));
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const scatterMethods = {
  scatter(this: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
    return scatter(this, dim, index, src);
  },
  scatterAdd(this: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
    return scatterAdd(this, dim, index, src);
  },
  nonzero(this: Tensor): Tensor {
    return nonzero(this);
  },
  maskedSelect(this: Tensor, mask: Tensor): Tensor {
    return maskedSelect(this, mask);
  },
};
installMethods(scatterMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof scatterMethods> {}
}
