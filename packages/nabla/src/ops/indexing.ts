/** Index-based primitives: gather / indexSelect and their scatter-add gradients. */
import { DTypeError, IndexError, ShapeError } from '../tensor/errors.js';
import { record } from '../autograd/graph.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import { allocate } from '../tensor/dtype.js';
import { formatShape, normalizeDim, numel } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { narrow } from './movement.js';
import { contiguousData } from '../tensor/strided.js';
import './methods.js';

function checkIndex(index: Tensor, size: number, op: string, dim: number): Int32Array {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  const data = index.contiguous().toTypedArray() as Int32Array;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < -size || v >= size)
      throw new IndexError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}`);
    if (v < 0) data[i] = v + size;
  }
  return data;
}

function dense(t: Tensor) {
  return contiguousData(t);
}

/**
 * `out[i][j] = x[index[i][j]][j]` for dim 0 (and likewise for other dims), like `torch.gather`.
 * @example
 * tensor([[1, 2], [3, 4]]).gather(1, tensor([[1], [0]], { dtype: 'int32' })); // [[2], [3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, 'gather');
  if (index.ndim !== x.ndim)
    throw new ShapeError(
      `gather: index has ${index.ndim} dims but input has ${x.ndim} (shapes ${formatShape(index.shape)} and ${formatShape(x.shape)})`,
    );
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i])
      throw new ShapeError(
        `gather: index shape ${formatShape(index.shape)} exceeds input shape ${formatShape(x.shape)} at dimension ${i}`,
      );
  });
  const idx = checkIndex(index, x.shape[d] ?? 1, 'gather', dim);
  // Only the index's extent of the other dims takes part.
  let src = x;
  index.shape.forEach((s, i) => {
    if (i !== d && s < x.shape[i]) src = narrow(src, i, 0, s);
  });
  const outer = numel(index.shape.slice(0, d));
  const inner = numel(index.shape.slice(d + 1));
  const xSize = x.shape[d] ?? 1;
  const idxSize = index.shape[d] ?? 1;
  const out = allocate(x.dtype, idx.length);
  getBackend().gather(dense(src), idx, out, outer, xSize, idxSize, inner);
  const op = { name: 'gather', inputs: [src, index], attrs: { dim: d } };
  return record(Tensor.fromData(out, index.shape), op, [src], (dy) => {
    const g = allocate(dy.dtype, src.numel());
    getBackend().scatterAdd(dense(dy), idx, g, outer, xSize, idxSize, inner);
    const dx = Tensor.fromData(g, src.shape);
    // Recorded under createGraph: the scatter-add is linear in dy, with this gather as its adjoint.
    return [isGradEnabled() ? record(dx, 'gatherBackward', [dy], (ddx) => [gather(ddx, d, index)]) : dx];
  });
}

/** Rows (or slices along `dim`) picked by a 1-D int32 `index`, like `torch.index_select`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${formatShape(index.shape)}`);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const idx = checkIndex(index, size, 'indexSelect', dim);
  const outer = numel(x.shape.slice(0, d));
  const inner = numel(x.shape.slice(d + 1));
  const shape = x.ndim === 0 ? [] : [...x.shape.slice(0, d), idx.length, ...x.shape.slice(d + 1)];
  const out = allocate(x.dtype, numel(shape));
  getBackend().indexSelect(dense(x), idx, out, outer, size, inner);
  const op = { name: 'indexSelect', inputs: [x, index], attrs: { dim: d } };
  return record(Tensor.fromData(out, shape), op, [x], (dy) => {
    const g = allocate(dy.dtype, x.numel());
    getBackend().indexAdd(dense(dy), idx, g, outer, size, inner);
    const dx = Tensor.fromData(g, x.shape);
    // Recorded under createGraph: the index-add is linear in dy, with this selection as its adjoint.
    return [isGradEnabled() ? record(dx, 'indexSelectBackward', [dy], (ddx) => [indexSelect(ddx, d, index)]) : dx];
  });
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const indexingMethods = {
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor {
    return indexSelect(this, dim, index);
  },
  gather(this: Tensor, dim: number, index: Tensor): Tensor {
    return gather(this, dim, index);
  },
};
installMethods(indexingMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof indexingMethods> {}
}
