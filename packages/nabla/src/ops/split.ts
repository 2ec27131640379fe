/** Splitting a tensor into views along one dimension: split, chunk, unbind (gradients: narrow's and select's). */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { formatShape, normalizeDim } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import type { Tensor } from '../tensor/tensor.js';
import { narrow, select } from './movement.js';
import './methods.js';

/**
 * Views of consecutive pieces along `dim`: each `splitSize` long (the last may be shorter), or
 * the given sizes, like `torch.split`.
 * @example
 * split(arange(5), 2).map((p) => p.numel()); // [2, 2, 1]
 */
export function split(t: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, t.ndim, 'split');
  const size = t.shape[d];
  if (typeof splitSize === 'number' && !(Number.isInteger(splitSize) && splitSize > 0)) {
    throw new OptionError(`split: splitSize must be a positive integer, got ${splitSize}`);
  }
  const sizes =
    typeof splitSize === 'number'
      ? Array.from({ length: Math.max(1, Math.ceil(size / splitSize)) }, (_, i) =>
          Math.min(splitSize, size - i * splitSize),
        )
      : [...splitSize];
  if (sizes.reduce((a, b) => a + b, 0) !== size) {
    throw new ShapeError(
      `split: sizes ${formatShape(sizes)} do not add up to ${size} (dimension ${dim} of shape ${formatShape(t.shape)})`,
    );
  }
  let start = 0;
  return sizes.map((n) => {
    const part = narrow(t, d, start, n);
    start += n;
    return part;
  });
}

/**
 * `chunks` pieces (or fewer) of equal size along `dim`, the last possibly smaller, like `torch.chunk`.
 * @example
 * chunk(arange(6), 3).length; // 3
 */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  const d = normalizeDim(dim, t.ndim, 'chunk');
  if (!Number.isInteger(chunks) || chunks < 1)
    throw new OptionError(`chunk: chunks must be a positive integer, got ${chunks}`);
  return split(t, Math.max(1, Math.ceil(t.shape[d] / chunks)), d);
}

/**
 * The slices along `dim` (each without it), like `torch.unbind`.
 * @example
 * unbind(tensor([[1, 2], [3, 4]])).length; // 2
 */
export function unbind(t: Tensor, dim = 0): Tensor[] {
  return Array.from({ length: t.shape[normalizeDim(dim, t.ndim, 'unbind')] }, (_, i) => select(t, dim, i));
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const splitMethods = {
  split(this: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
    return split(this, splitSize, dim);
  },
  chunk(this: Tensor, chunks: number, dim = 0): Tensor[] {
    return chunk(this, chunks, dim);
  },
  /** The slices along `dim` (each without it), like `torch.unbind`. */
  unbind(this: Tensor, dim = 0): Tensor[] {
    return unbind(this, dim);
  },
};
installMethods(splitMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof splitMethods> {}
}
