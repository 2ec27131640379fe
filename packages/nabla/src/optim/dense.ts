/**
 * Dense views of parameters and state buffers, which the optimizer kernels of the backend
 * (the optim member of the kernel table) update in place.
 */
import { ShapeError } from '../tensor/errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { FloatArray } from '../tensor/dtype.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { tensor } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import type { NestedArray } from '../tensor/format.js';

/** The elements of a contiguous tensor, as a view of its storage (writes go to the tensor). */
export function denseView(t: Tensor): FloatArray {
  if (!t.isContiguous()) throw new ShapeError(`denseView: tensor of shape ${formatShape(t.shape)} is not contiguous`);
  return t.storage.data.subarray(t.offset, t.offset + t.numel()) as FloatArray;
}

/** The elements of any tensor in row-major order, read-only use (a view when it can be). */
export function denseRead(t: Tensor): FloatArray {
  return denseView(t.contiguous());
}

/**
 * Runs `update` on `param`'s elements in place. A non-contiguous parameter is updated
 * through a dense copy written back with `copy_`. Bumps the storage version, as PyTorch's
 * in-place ops do, so autograd notices a parameter changed after being saved.
 */
export function updateInPlace(param: Tensor, update: (data: FloatArray) => void): void {
  if (param.isContiguous()) {
    update(denseView(param));
    param.storage.version++;
    return;
  }
  const copy = param.detach().clone();
  update(denseView(copy));
  noGrad(() => param.copy_(copy));
}

/** A dense zero-filled state buffer like `param` (same dtype and shape, own storage). */
export function zerosFor(param: Tensor, value = 0): Tensor {
  const data = param.dtype === 'float64' ? new Float64Array(param.numel()) : new Float32Array(param.numel());
  if (value !== 0) data.fill(value);
  return Tensor.fromData(data, param.shape);
}

/** A dense copy of a saved state value (tensor or nested numbers) with `param`'s dtype and shape. */
export function ownedCopy(value: Tensor | NestedArray, param: Tensor, what: string): Tensor {
  const t = value instanceof Tensor ? value : tensor(value as NestedArray, { dtype: param.dtype });
  if (!shapesEqual(t.shape, param.shape)) {
    throw new ShapeError(
      `loadStateDict: ${what} has shape ${formatShape(t.shape)} but its parameter has shape ${formatShape(param.shape)}`,
    );
  }
  return Tensor.fromData(t.to(param.dtype).toTypedArray(), param.shape);
}
