/**
 * The few tensor primitives the engine needs to move gradients around: un-broadcasting
 * (sum-to-shape), casting, copying and adding. They call backend kernels directly, so the engine
 * sits below the op layer and imports no op. The kernels and their order are the ones `sum`,
 * `cast`, `clone` and `add_` use, so the numbers are the same bit for bit. They record nothing in
 * an ordinary backward (it runs under noGrad); under `createGraph` (grad mode on) each records
 * itself with a rule built from the others, so a gradient's graph has no gap.
 */
import { ShapeError } from '../tensor/errors.js';
import { getBackend } from '../backend/index.js';
import { allocate, promoteTypes, type DType } from '../tensor/dtype.js';
import { broadcastShapes, contiguousStrides, formatShape, numel, shapesEqual, type Shape } from '../tensor/shape.js';
import { broadcastStrides, contiguousData, strided } from '../tensor/strided.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { record } from './graph.js';

/** A dense copy of `t` in its own storage. */
export function cloneGrad(t: Tensor): Tensor {
  const out = allocate(t.dtype, t.numel());
  getBackend().copy(strided(t), { data: out, strides: contiguousStrides(t.shape), offset: 0 }, t.shape);
  const y = Tensor.fromData(out, t.shape);
  return isGradEnabled() ? record(y, 'clone', [t], (dy) => [dy]) : y;
}

/** `t` as `dtype` (itself when it already is). */
export function castGrad(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = allocate(dtype, t.numel());
  getBackend().cast(contiguousData(t), out);
  const y = Tensor.fromData(out, t.shape);
  return isGradEnabled() ? record(y, 'cast', [t], (dy) => [castGrad(dy, t.dtype)]) : y;
}

/**
 * Sums `g` over the dimensions broadcasting added so that it has `shape`: leading extra dims and
 * dims that are 1 in `shape`. The one place un-broadcasting of gradients happens.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const y = reduceToShape(g, shape);
  if (y === g || !isGradEnabled()) return y;
  return record(y, 'sumToShape', [g], (dy) => [broadcastTo(dy, g.shape)]);
}

/** `t` viewed at the larger `shape` it broadcasts to (stride 0); the adjoint of `sumToShape`. */
function broadcastTo(t: Tensor, shape: Shape): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  const view = new Tensor(t.storage, shape, broadcastStrides(t, shape), t.offset);
  return isGradEnabled() ? record(view, 'expand', [t], (dy) => [sumToShape(dy, t.shape)]) : view;
}

function reduceToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0)
    throw new ShapeError(
      `sumToShape: gradient of shape ${formatShape(g.shape)} cannot be reduced to ${formatShape(shape)}`,
    );
  const dims: number[] = [];
  g.shape.forEach((s, i) => {
    if (i < lead || (shape[i - lead] === 1 && s !== 1)) dims.push(i);
  });
  // A gradient whose other dims do not match is returned unreduced: the engine's shape check
  // then names the rule that produced it.
  if (g.shape.some((s, i) => i >= lead && s !== shape[i - lead] && shape[i - lead] !== 1)) return g;
  // Adjacent dims are reduced as one run, the last run first (as `sum` does).
  const runs: [number, number][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  let data = contiguousData(g);
  let cur = [...g.shape];
  for (const [s, e] of runs.reverse()) {
    const outer = numel(cur.slice(0, s));
    const size = numel(cur.slice(s, e + 1));
    const inner = numel(cur.slice(e + 1));
    const out = allocate(g.dtype, outer * inner);
    getBackend().reduce.sum(data, out, outer, size, inner);
    cur = [...cur.slice(0, s), ...cur.slice(s, e + 1).map(() => 1), ...cur.slice(e + 1)];
    data = out;
  }
  return Tensor.fromData(data, shape);
}

/** `a + b` in a new tensor, broadcast and promoted as `add` does. */
export function addGrads(a: Tensor, b: Tensor): Tensor {
  const dtype = promoteTypes(a.dtype, b.dtype);
  const x = castGrad(a, dtype);
  const y = castGrad(b, dtype);
  const shape = broadcastShapes(x.shape, y.shape, 'add');
  const out = allocate(dtype, numel(shape));
  getBackend().binary.add(strided(x, shape), strided(y, shape), out, shape);
  const sum = Tensor.fromData(out, shape);
  return isGradEnabled() ? record(sum, 'add', [a, b], (dy) => [dy, dy]) : sum;
}

/** Overwrites `target` (same shape and dtype) with `g`, counting it as an in-place write. */
export function copyInto(target: Tensor, g: Tensor): void {
  getBackend().copy(strided(g), strided(target), target.shape);
  target.storage.version++;
}

/** `target += g` in place (same shape and dtype), counting it as an in-place write. */
export function addInto(target: Tensor, g: Tensor): void {
  if (target.isContiguous() && g.storage !== target.storage) {
    const n = target.numel();
    getBackend().binary.add(
      strided(target),
      strided(g),
      target.storage.data.subarray(target.offset, target.offset + n),
      target.shape,
    );
  } else {
    getBackend().copy(strided(addGrads(target, g)), strided(target), target.shape);
  }
  target.storage.version++;
}
