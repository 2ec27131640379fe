/**
 * Reductions. `sum` and `amax`/`amin` are primitives; mean, var, std, logsumexp and max(dim)
 * are composed from them (max(dim) gathers at argmax, so its gradient comes from gather's).
 */
import { DTypeError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { record, traced } from '../autograd/graph.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { getBackend, type ArgReduceOp, type ReduceOp } from '../backend/index.js';
import { allocate, isFloating, toFloating } from '../tensor/dtype.js';
import { formatShape, normalizeDims, normalizeDim, numel, type Shape } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, add, cast, div, eq, exp, log, maximum, minimum, mul, sqrt, sub, where } from './elementwise.js';
import { gather } from './indexing.js';
import { expand, reshape, squeeze } from './movement.js';
import { contiguousData } from '../tensor/strided.js';
import './methods.js';

/**
 * `{ values, indices }` that is also the pair `[values, indices]`, like PyTorch's named tuples:
 * `x.max(1).indices`, `x.max(1)[1]` and `const [v, i] = x.max(1)` all work.
 */
export type ValuesIndices = readonly [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };

export function valuesIndicesOf(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as const, { values, indices });
}

export interface VarOptions {
  /** Subtracted from the element count in the divisor: 1 = unbiased (default), 0 = population. */
  correction?: number;
  /** PyTorch's older spelling: `unbiased: false` is `correction: 0` (ignored when `correction` is given). */
  unbiased?: boolean;
  keepdim?: boolean;
}

function keptShape(shape: Shape, dims: readonly number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

/**
 * Runs a reduce kernel over `dims` of a contiguous copy, one run of adjacent dims at a time,
 * and returns the keepdim-shaped result.
 */
function reduceKernel(x: Tensor, dims: readonly number[], op: ReduceOp): Tensor {
  // Nothing to reduce (a 0-d input, or no dims): still a fresh tensor, never `x` itself.
  if (dims.length === 0 || x.ndim === 0) return Tensor.fromData(x.toTypedArray(), x.shape);
  let cur = x.isContiguous() ? x : Tensor.fromData(contiguousData(x), x.shape); // no graph node: kernel input
  let shape = [...x.shape];
  // Group adjacent dims into runs, reducing the last run first so earlier indices stay valid.
  const runs: [number, number][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  for (const [s, e] of runs.reverse()) {
    const outer = numel(shape.slice(0, s));
    const size = numel(shape.slice(s, e + 1));
    const inner = numel(shape.slice(e + 1));
    if (size === 0 && op !== 'sum')
      throw new ShapeError(`${op}: cannot reduce over a zero-size dimension (shape ${formatShape(x.shape)})`);
    const out = allocate(cur.dtype, outer * inner);
    getBackend().reduce[op](contiguousData(cur), out, outer, size, inner);
    shape = [...shape.slice(0, s), ...shape.slice(s, e + 1).map(() => 1), ...shape.slice(e + 1)];
    cur = Tensor.fromData(out, shape);
  }
  return cur;
}

function finish(y: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim) return y;
  return reshape(
    y,
    y.shape.filter((_, i) => !dims.includes(i)),
  );
}

/** The kernel result (dense, keepdim-shaped) relabelled to the shape the caller asked for. */
function outputShape(y: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  return keepdim
    ? y
    : Tensor.fromData(
        y.storage.data,
        y.shape.filter((_, i) => !dims.includes(i)),
      );
}

/**
 * Sum over `dim` (all dims when omitted). Integer and bool inputs sum to int32.
 * @example
 * tensor([[1, 2], [3, 4]]).sum(1); // [3, 7]
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const src = x.dtype === 'bool' ? cast(x, 'int32') : x;
  const dims = normalizeDims(dim, x.ndim, 'sum');
  const y = reduceKernel(src, dims, 'sum');
  const op = { name: 'sum', attrs: { dims, keepdim } };
  return record(outputShape(y, dims, keepdim), op, [src], (dy) => [expand(reshape(dy, y.shape), src.shape)]);
}

export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  if (!isFloating(x.dtype))
    throw new DTypeError(`mean: expected a floating point tensor, got ${x.dtype}; call .float() first`);
  const dims = normalizeDims(dim, x.ndim, 'mean');
  const count = dims.reduce((a, d) => a * (x.shape[d] ?? 1), 1);
  return div(sum(x, dims, keepdim), count);
}

/** Max/min over dims; ties share the gradient evenly (PyTorch's amax/amin). */
function extremum(op: 'max' | 'min') {
  return (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => {
    const dims = normalizeDims(dim, x.ndim, op === 'max' ? 'amax' : 'amin');
    const y = reduceKernel(x, dims, op);
    return record(
      outputShape(y, dims, keepdim),
      { name: op === 'max' ? 'amax' : 'amin', attrs: { dims, keepdim } },
      [x],
      (dy) => {
        const mask = cast(eq(x, y), dy.dtype);
        return [div(mul(mask, reshape(dy, y.shape)), sum(mask, dims, true))];
      },
      [x, y],
    );
  };
}
export const amax = extremum('max');
export const amin = extremum('min');

function argReduce(op: ArgReduceOp) {
  return (x: Tensor, dim?: number, keepdim = false): Tensor => {
    if (dim === undefined) {
      const flat = reshape(x, [x.numel()]);
      const r = argReduce(op)(flat, 0);
      return keepdim
        ? reshape(
            r,
            x.shape.map(() => 1),
          )
        : r;
    }
    const d = normalizeDim(dim, x.ndim, op);
    const size = x.ndim === 0 ? 1 : x.shape[d];
    if (size === 0)
      throw new ShapeError(`${op}: cannot reduce over a zero-size dimension (shape ${formatShape(x.shape)})`);
    const outer = numel(x.shape.slice(0, d));
    const inner = numel(x.shape.slice(d + 1));
    const out = new Int32Array(outer * inner);
    getBackend().argReduce[op](contiguousData(x), out, outer, size, inner);
    const y = traced(Tensor.fromData(out, x.ndim === 0 ? [] : keptShape(x.shape, [d])), op, [x], { dim: d });
    return keepdim || x.ndim === 0 ? y : squeeze(y, d);
  };
}
export const argmax = argReduce('argmax');
export const argmin = argReduce('argmin');

function valuesIndices(op: ArgReduceOp) {
  return (x: Tensor, dim: number, keepdim = false): ValuesIndices => {
    const d = normalizeDim(dim, x.ndim, op === 'argmax' ? 'max' : 'min');
    const indices = argReduce(op)(x, d, true);
    const values = gather(x, d, indices);
    return keepdim ? valuesIndicesOf(values, indices) : valuesIndicesOf(squeeze(values, d), squeeze(indices, d));
  };
}
/** `{ values, indices }` of the maximum along `dim`, like `torch.max(x, dim)`. */
export const maxDim = valuesIndices('argmax');
export const minDim = valuesIndices('argmin');

/** Variance with Bessel's correction by default (`correction: 1`), like `torch.var`. */
export function variance(x: Tensor, dim?: number | readonly number[], options: VarOptions = {}): Tensor {
  checkOptions('var', options, { correction: true, unbiased: true, keepdim: true });
  const { unbiased = true, correction = unbiased ? 1 : 0, keepdim = false } = options;
  const xf = cast(x, toFloating(x.dtype));
  const dims = normalizeDims(dim, x.ndim, 'var');
  const count = dims.reduce((a, d) => a * (x.shape[d] ?? 1), 1);
  const divisor = Math.max(0, count - correction);
  const centered = sub(xf.detach(), mean(xf.detach(), dims, true));
  const y = div(sum(mul(centered, centered), dims, keepdim), divisor);
  // PyTorch's rule, d var = 2 (x - mean) / divisor: the mean's own term (zero in exact
  // arithmetic) is left out, so an inf in a row gives +-inf gradients rather than NaN.
  // Under createGraph the centring is recomputed from xf, so the rule is differentiable in x too.
  return record(
    y,
    { name: 'var', attrs: { dims, correction, keepdim } },
    [xf],
    (dy) => [
      mul(
        isGradEnabled() ? sub(xf, mean(xf, dims, true)) : centered,
        mul(reshape(dy, keptShape(xf.shape, dims)), 2 / divisor),
      ),
    ],
    [xf],
  );
}

export function std(x: Tensor, dim?: number | readonly number[], options: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, options));
}

/** `log(sum(exp(x)))` over `dim`, computed stably by shifting by the (detached) maximum. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const dims = normalizeDims(dim, x.ndim, 'logsumexp');
  // An empty reduction is log(0) = -inf, as in PyTorch (amax would refuse it).
  if (dims.some((d) => x.shape[d] === 0)) return finish(log(sum(exp(x), dims, true)), dims, keepdim);
  const m = amax(x.detach(), dims, true);
  const shift = where(eq(abs(m), Infinity), 0, m); // an all-(-inf) row must not give NaN
  const y = add(log(sum(exp(sub(x, shift)), dims, true)), shift);
  return finish(y, dims, keepdim);
}

/**
 * `torch.max`: the largest element, `{ values, indices }` along `dim`, or the elementwise maximum with a tensor.
 * @example
 * max(tensor([[1, 5], [7, 2]]), 1).values; // [5, 7]
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  if (dimOrOther === undefined) return amax(x);
  return dimOrOther instanceof Tensor ? maximum(x, dimOrOther) : maxDim(x, dimOrOther, keepdim);
}

/**
 * `torch.min`: the smallest element, `{ values, indices }` along `dim`, or the elementwise minimum with a tensor.
 * @example
 * min(tensor([1, 5]), tensor([3, 3])); // [1, 3]
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  if (dimOrOther === undefined) return amin(x);
  return dimOrOther instanceof Tensor ? minimum(x, dimOrOther) : minDim(x, dimOrOther, keepdim);
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const reduceMethods = {
  sum(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
    return sum(this, dim, keepdim);
  },
  mean(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
    return mean(this, dim, keepdim);
  },
  amax(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
    return amax(this, dim, keepdim);
  },
  amin(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
    return amin(this, dim, keepdim);
  },
  argmax(this: Tensor, dim?: number, keepdim = false): Tensor {
    return argmax(this, dim, keepdim);
  },
  argmin(this: Tensor, dim?: number, keepdim = false): Tensor {
    return argmin(this, dim, keepdim);
  },
  /** Variance; `correction` 1 (unbiased, PyTorch's default) or 0. */
  var(this: Tensor, dim?: number | readonly number[], options: VarOptions = {}): Tensor {
    return variance(this, dim, options);
  },
  std(this: Tensor, dim?: number | readonly number[], options: VarOptions = {}): Tensor {
    return std(this, dim, options);
  },
  logsumexp(this: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
    return logsumexp(this, dim, keepdim);
  },
};
installMethods(reduceMethods);
// max/min are overloaded, which a mapped type cannot carry: typed by hand below.
installMethods({
  max(this: Tensor, dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    return max(this, dim as number, keepdim);
  },
  min(this: Tensor, dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    return min(this, dim as number, keepdim);
  },
});
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof reduceMethods> {
    /** Without `dim`: the maximum element. With `dim`: `{ values, indices }` along it. */
    max(): Tensor;
    max(dim: number, keepdim?: boolean): ValuesIndices;
    /** With a tensor: the elementwise maximum, like `torch.max(a, b)`. */
    max(other: Tensor): Tensor;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): ValuesIndices;
    min(other: Tensor): Tensor;
  }
}
