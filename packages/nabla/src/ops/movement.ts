/**
 * Movement primitives: views that share storage (reshape, permute, expand, slice) and copies
 * (contiguous, cat). A view's gradient is the inverse movement of the output's gradient.
 */
import { IndexError, OptionError, ShapeError } from '../tensor/errors.js';
import { record, type OpName } from '../autograd/graph.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { sumToShape } from '../autograd/accumulate.js';
import { getBackend } from '../backend/index.js';
import { allocate, promoteTypes } from '../tensor/dtype.js';
import { installGetters, installMethods, type GettersOf, type MethodsOf } from '../tensor/methods.js';
import { contiguousStrides, formatShape, normalizeDim, numel, shapesEqual, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { split } from './split.js';
import { broadcastStrides, shapeArgs, strided } from '../tensor/strided.js';
import './methods.js';

function makeView(
  t: Tensor,
  shape: Shape,
  strides: Shape,
  offset: number,
  name: string | OpName,
  rule: (dy: Tensor) => Tensor,
): Tensor {
  const out = new Tensor(t.storage, shape, strides, offset);
  return record(out, name, [t], (dy) => [rule(dy)]);
}

/** A dense copy, or `t` itself when it already is dense. */
export function contiguous(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  return clone(t);
}

/** A dense copy with its own storage. */
export function clone(t: Tensor): Tensor {
  const out = allocate(t.dtype, t.numel());
  getBackend().copy(strided(t), { data: out, strides: contiguousStrides(t.shape), offset: 0 }, t.shape);
  return record(Tensor.fromData(out, t.shape), 'clone', [t], (dy) => [dy]);
}

function inferShape(t: Tensor, shape: Shape, op: string): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) throw new OptionError(`${op}: only one dimension can be inferred (-1)`);
  const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (unknown >= 0) {
    if (known === 0 || t.numel() % known !== 0)
      throw new ShapeError(`${op}: shape ${formatShape(shape)} is invalid for input of size ${t.numel()}`);
    out[unknown] = t.numel() / known;
  }
  if (numel(out) !== t.numel() || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(
      `${op}: shape ${formatShape(shape)} is invalid for input of size ${t.numel()} (shape ${formatShape(t.shape)})`,
    );
  }
  return out;
}

/**
 * Strides that let `shape` view memory laid out as (`oldShape`, `oldStrides`), or null when a
 * copy is needed (PyTorch's `computeStride`: each run of merged/split dims must be dense).
 */
function viewStrides(oldShape: Shape, oldStrides: Shape, shape: Shape): number[] | null {
  if (oldShape.length === 0 || numel(oldShape) === 0) return contiguousStrides(shape);
  const out = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let base = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * base)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        out[viewD] = viewNumel * base;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        base = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

/** Same elements, new shape: a view when the strides allow it, else a copy. One size may be -1. */
export function reshape(t: Tensor, shape: Shape): Tensor {
  const target = inferShape(t, shape, 'reshape');
  if (shapesEqual(target, t.shape)) return t;
  const strides = viewStrides(t.shape, t.strides, target);
  if (strides) return makeView(t, target, strides, t.offset, 'reshape', (dy) => reshape(dy, t.shape));
  const src = clone(t);
  return makeView(src, target, contiguousStrides(target), 0, 'reshape', (dy) => reshape(dy, t.shape));
}

/** Like `reshape`, but refuses to copy (PyTorch's `view`). */
export function view(t: Tensor, shape: Shape): Tensor {
  const target = inferShape(t, shape, 'view');
  if (!viewStrides(t.shape, t.strides, target)) {
    throw new ShapeError(
      `view: a tensor of shape ${formatShape(t.shape)} and strides ${formatShape(t.strides)} cannot be viewed as ${formatShape(shape)} without a copy; use reshape() (which copies) or contiguous() first`,
    );
  }
  return reshape(t, target);
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normalizeDim(startDim, t.ndim, 'flatten');
  const e = normalizeDim(endDim, t.ndim, 'flatten');
  if (s > e) throw new OptionError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = t.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(t, [...t.shape.slice(0, s), merged, ...t.shape.slice(e + 1)]);
}

/** Drops size-1 dims (or only `dim`), as a view. */
export function squeeze(t: Tensor, dim?: number): Tensor {
  let keep: (i: number) => boolean;
  if (dim === undefined) keep = (i) => t.shape[i] !== 1;
  else {
    const d = normalizeDim(dim, t.ndim, 'squeeze');
    if (t.ndim === 0 || t.shape[d] !== 1) return t;
    keep = (i) => i !== d;
  }
  const dims = t.shape.map((_, i) => i).filter(keep);
  if (dims.length === t.ndim) return t;
  return makeView(
    t,
    dims.map((i) => t.shape[i]),
    dims.map((i) => t.strides[i]),
    t.offset,
    'squeeze',
    (dy) => reshape(dy, t.shape),
  );
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, t.ndim + 1, 'unsqueeze');
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < t.ndim ? t.strides[d] * t.shape[d] : 1);
  return makeView(t, shape, strides, t.offset, 'unsqueeze', (dy) => squeeze(dy, d));
}

export function permute(t: Tensor, dims: Shape): Tensor {
  if (dims.length !== t.ndim)
    throw new ShapeError(
      `permute: expected ${t.ndim} dims for a tensor of shape ${formatShape(t.shape)}, got ${formatShape(dims)}`,
    );
  const perm = dims.map((d) => normalizeDim(d, t.ndim, 'permute'));
  if (new Set(perm).size !== perm.length) throw new ShapeError(`permute: repeated dim in ${formatShape(dims)}`);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return makeView(
    t,
    perm.map((p) => t.shape[p]),
    perm.map((p) => t.strides[p]),
    t.offset,
    { name: 'permute', attrs: { perm } },
    (dy) => permute(dy, inverse),
  );
}

export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  if (t.ndim === 0) return t;
  const perm = Array.from({ length: t.ndim }, (_, i) => i);
  const a = normalizeDim(dim0, t.ndim, 'transpose');
  const b = normalizeDim(dim1, t.ndim, 'transpose');
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(t, perm);
}

/** Broadcasts size-1 dimensions (and new leading ones) to `shape` without copying; -1 keeps a size. */
export function expand(t: Tensor, shape: Shape): Tensor {
  if (shape.length < t.ndim)
    throw new ShapeError(
      `expand: target shape ${formatShape(shape)} has fewer dims than the tensor's ${formatShape(t.shape)}`,
    );
  const lead = shape.length - t.ndim;
  const target = shape.map((s, i) => (s === -1 && i >= lead ? t.shape[i - lead] : s));
  if (target.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ShapeError(
      `expand: invalid target shape ${formatShape(shape)} for a tensor of shape ${formatShape(t.shape)} (-1 only keeps an existing dimension)`,
    );
  }
  target.forEach((s, i) => {
    const d = i - lead;
    if (d >= 0 && t.shape[d] !== s && t.shape[d] !== 1) {
      throw new ShapeError(
        `expand: the expanded size ${s} must match the existing size ${t.shape[d]} at dimension ${i} (tensor shape ${formatShape(t.shape)}, target ${formatShape(shape)})`,
      );
    }
  });
  if (shapesEqual(target, t.shape)) return t;
  return makeView(t, target, broadcastStrides(t, target), t.offset, 'expand', (dy) => sumToShape(dy, t.shape));
}

/** `x[..., start:end:step, ...]` along `dim`, as a view. */
export function slice(t: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  const d = normalizeDim(dim, t.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0)
    throw new OptionError(`slice: step must be a positive integer, got ${step}`);
  const size = t.shape[d];
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIndex(start ?? 0);
  const e = Math.max(s, clampIndex(end ?? size));
  const length = Math.ceil((e - s) / step);
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape[d] = length;
  strides[d] = t.strides[d] * step;
  const op = { name: 'slice', attrs: { dim: d, start: s, end: e, step } };
  return makeView(t, shape, strides, t.offset + s * t.strides[d], op, (dy) => {
    // The gradient of a slice is zeros with dy written back into the sliced region.
    const full = Tensor.fromData(allocate(dy.dtype, t.numel()), t.shape);
    const region = {
      data: full.storage.data,
      strides: contiguousStrides(t.shape).map((st, i) => (i === d ? st * step : st)),
      offset: s * contiguousStrides(t.shape)[d],
    };
    getBackend().copy(strided(dy), region, dy.shape);
    // Under createGraph: the scatter is linear in dy, and its adjoint is this slice again.
    return isGradEnabled() ? record(full, 'sliceBackward', [dy], (ddx) => [slice(ddx, d, s, e, step)]) : full;
  });
}

export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, t.ndim, 'narrow');
  const s = start < 0 ? start + t.shape[d] : start;
  if (s < 0 || length < 0 || s + length > t.shape[d]) {
    throw new ShapeError(`narrow: start ${start} + length ${length} exceeds dimension ${dim} of size ${t.shape[d]}`);
  }
  return slice(t, d, s, s + length);
}

export function select(t: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, t.ndim, 'select');
  const size = t.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new IndexError(`select: index ${index} is out of bounds for dimension ${dim} with size ${size}`);
  }
  return squeeze(narrow(t, d, index < 0 ? index + size : index, 1), d);
}

/**
 * Joins tensors along an existing dimension.
 * @example
 * cat([zeros([2, 3]), ones([1, 3])], 0).shape; // [3, 3]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new OptionError('cat: expected a non-empty list of tensors');
  const first = tensors[0];
  if (first.ndim === 0) throw new OptionError('cat: zero-dimensional tensors cannot be concatenated; use stack()');
  const d = normalizeDim(dim, first.ndim, 'cat');
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new ShapeError(
        `cat: tensor ${i} has shape ${formatShape(t.shape)}, which does not match ${formatShape(first.shape)} except in dimension ${dim}`,
      );
    }
  });
  // Mixed dtypes are promoted, as torch.cat does (int32 with float32 gives float32).
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  if (tensors.some((t) => t.dtype !== dtype))
    return cat(
      tensors.map((t) => t.to(dtype)),
      dim,
    );
  const shape = [...first.shape];
  shape[d] = tensors.reduce((a, t) => a + t.shape[d], 0);
  const data = allocate(first.dtype, numel(shape));
  const strides = contiguousStrides(shape);
  let start = 0;
  for (const t of tensors) {
    getBackend().copy(strided(t), { data, strides, offset: start * strides[d] }, t.shape);
    start += t.shape[d];
  }
  const sizes = tensors.map((t) => t.shape[d]);
  return record(Tensor.fromData(data, shape), { name: 'cat', attrs: { dim: d } }, tensors, (dy) => split(dy, sizes, d));
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new OptionError('stack: expected a non-empty list of tensors');
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, tensors[0].shape))
      throw new ShapeError(
        `stack: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${formatShape(tensors[0].shape)}`,
      );
  });
  const d = normalizeDim(dim, tensors[0].ndim + 1, 'stack');
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/**
 * Transpose of a 2-D tensor (a 1-D or 0-D tensor is returned as is), like `torch.t`.
 * @example
 * t(tensor([[1, 2]])).shape; // [2, 1]
 */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new OptionError(`t() expects a tensor with <= 2 dimensions, but got ${x.ndim}`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const movementMethods = {
  contiguous(this: Tensor): Tensor {
    return contiguous(this);
  },
  clone(this: Tensor): Tensor {
    return clone(this);
  },
  reshape(this: Tensor, ...shape: number[] | [readonly number[]]): Tensor {
    return reshape(this, shapeArgs(shape));
  },
  view(this: Tensor, ...shape: number[] | [readonly number[]]): Tensor {
    return view(this, shapeArgs(shape));
  },
  reshapeAs(this: Tensor, other: Tensor): Tensor {
    return reshape(this, other.shape);
  },
  viewAs(this: Tensor, other: Tensor): Tensor {
    return view(this, other.shape);
  },
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor {
    return flatten(this, startDim, endDim);
  },
  squeeze(this: Tensor, dim?: number): Tensor {
    return squeeze(this, dim);
  },
  unsqueeze(this: Tensor, dim: number): Tensor {
    return unsqueeze(this, dim);
  },
  permute(this: Tensor, ...dims: number[] | [readonly number[]]): Tensor {
    return permute(this, shapeArgs(dims));
  },
  transpose(this: Tensor, dim0: number, dim1: number): Tensor {
    return transpose(this, dim0, dim1);
  },
  /** Transpose of a 2-D tensor (a 1-D or 0-D tensor is returned as is). */
  t(this: Tensor): Tensor {
    return t(this);
  },
  expand(this: Tensor, ...shape: number[] | [readonly number[]]): Tensor {
    return expand(this, shapeArgs(shape));
  },
  expandAs(this: Tensor, other: Tensor): Tensor {
    return expand(this, other.shape);
  },
  narrow(this: Tensor, dim: number, start: number, length: number): Tensor {
    return narrow(this, dim, start, length);
  },
  /** `x[..., start:end:step, ...]` along `dim` (negative and omitted bounds as in Python). */
  slice(this: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
    return slice(this, dim, start, end, step);
  },
  /** `x[..., index, ...]`: removes `dim`. */
  select(this: Tensor, dim: number, index: number): Tensor {
    return select(this, dim, index);
  },
};
installMethods(movementMethods);

/** Read-only properties of this family. */
export const movementGetters = {
  /** Swaps the last two dimensions. */
  mT: (self: Tensor): Tensor => transpose(self, -2, -1),
  /** All dims reversed (PyTorch's `.T`; the transpose for 2-D). */
  T: (self: Tensor): Tensor =>
    permute(
      self,
      self.shape.map((_, i) => self.ndim - 1 - i),
    ),
};
installGetters(movementGetters);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof movementMethods>, GettersOf<typeof movementGetters> {}
}
