/**
 * How ops and the autograd engine hand tensors to kernels: strided views (broadcast with stride 0), dense element
 * arrays, and the `f(2, 3)` / `f([2, 3])` argument convention of shape-taking methods.
 */
import { getBackend, type Strided } from '../backend/index.js';
import { allocate, type TypedArray } from './dtype.js';
import { contiguousStrides, shapesEqual, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Accepts `f(2, 3)` and `f([2, 3])` alike. */
export function shapeArgs(args: number[] | [readonly number[]]): readonly number[] {
  return Array.isArray(args[0]) ? (args[0] as readonly number[]) : (args as number[]);
}

/** The kernel-facing view of a tensor, optionally broadcast to `shape`. */
export function strided(t: Tensor, shape?: Shape): Strided {
  return { data: t.storage.data, strides: shape ? broadcastStrides(t, shape) : t.strides, offset: t.offset };
}

/** Strides that read `t` as if expanded to `shape` (0 along broadcast dimensions). */
export function broadcastStrides(t: Tensor, shape: Shape): readonly number[] {
  if (shapesEqual(t.shape, shape)) return t.strides; // the common case: no new array
  const lead = shape.length - t.ndim;
  return shape.map((size, i) => {
    const d = i - lead;
    if (d < 0) return 0;
    return t.shape[d] === 1 && size !== 1 ? 0 : t.strides[d];
  });
}

/**
 * The elements of `t` in row-major order as one typed array: the storage array itself when it
 * holds exactly them (no view object per op), else a subarray of a contiguous copy.
 */
export function contiguousData(t: Tensor): TypedArray {
  const n = t.numel();
  if (!t.isContiguous()) {
    // A raw copy: callers are kernels, so no graph node is recorded for it.
    const out = allocate(t.dtype, n);
    getBackend().copy(strided(t), { data: out, strides: contiguousStrides(t.shape), offset: 0 }, t.shape);
    return out;
  }
  const data = t.storage.data;
  return t.offset === 0 && data.length === n ? data : data.subarray(t.offset, t.offset + n);
}
