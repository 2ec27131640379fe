import type { FloatArray, TypedArray } from '../tensor/dtype.js';

/** Functions of one element the core unary table lacks (PyTorch's extra trigonometry). */
export const MATH_OPS = ['tan', 'atan', 'asin', 'acos', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh'] as const;
export type MathOp = (typeof MATH_OPS)[number];

/** How `scatterAlong` combines: out[o] = src[k], out[o] += src[k], src[k] = out[o] (backward's gather), out[o] = 0. */
export type ScatterMode = 'assign' | 'add' | 'gather' | 'zero';

/**
 * Kernels of the ops outside the core table: scans and sorts along rows, scatter, nonzero,
 * extra elementwise functions and convolution bias. "Rows" are a contiguous array's runs of `n`
 * elements (the op moves the dimension last first).
 */
export interface OpKernels {
  /** `out[i] = f(x[i])` with double-precision Math functions, rounded to out's type. */
  readonly math: { readonly [P in MathOp]: (x: TypedArray, out: FloatArray) => void };
  /** `out[i] = atan2(y[i], x[i])` on dense arrays of one length. */
  atan2(y: TypedArray, x: TypedArray, out: FloatArray): void;
  /** In place, each row becomes its running sum or product (accumulated in data's type). */
  scanRows(op: 'sum' | 'prod', data: TypedArray, n: number): void;
  /** cumprod's gradient per row: `out[i] = Σ_{j≥i} g[j] · Π_{k≤j, k≠i} x[k]` (exact with zeros). */
  cumprodBackward(x: TypedArray, g: TypedArray, out: TypedArray, n: number): void;
  /** `out[r] = Π x[r, :]`. */
  prodRows(x: TypedArray, out: TypedArray, n: number): void;
  /** `out[r, i] = Π_{k≠i} x[r, k]` (prod's gradient, exact with zeros). */
  prodOthers(x: TypedArray, out: TypedArray, n: number): void;
  /** Per row, the stable sorting permutation (NaN largest, as PyTorch). */
  sortRows(x: TypedArray, out: Int32Array, n: number, descending: boolean): void;
  /** Per row of sorted `order`: the lower median's index, or the first NaN's when the row has any. */
  medianRows(order: TypedArray, values: TypedArray, out: Int32Array, n: number): void;
  /**
   * Walks every element k of a contiguous index of shape `iShape` and combines position
   * o of out (the index's position with `index[k]` along `d`, in `outShape`) with position k' of
   * src (the same position in `srcShape`) as `mode` says.
   */
  scatterAlong(
    mode: ScatterMode,
    out: TypedArray,
    src: TypedArray,
    index: Int32Array,
    iShape: readonly number[],
    outShape: readonly number[],
    srcShape: readonly number[],
    d: number,
  ): void;
  /** The row-major coordinates (in `shape`) of every nonzero element of x, `[found, ndim]` flattened. */
  nonzero(x: TypedArray, shape: readonly number[]): Int32Array;
  /** `out[x[i]] += weights ? weights[i] : 1` (x's values are valid indices of out). */
  bincount(x: TypedArray, weights: TypedArray | null, out: TypedArray): void;
  /** `inverse[i]` = the position of `data[i]` among the distinct `values`; `counts[j]` = how often `values[j]` occurs. */
  uniqueInverse(data: TypedArray, values: readonly number[], inverse: Int32Array, counts: Int32Array): void;
  /** `out[n, c, :] += bias[c]` over `[batch, channels, L]`. */
  addChannelBias(out: FloatArray, bias: FloatArray, batch: number, channels: number, L: number): void;
  /** `db[c] += Σ dy[n, c, :]`, summed per image in float64 and added into db image by image. */
  channelBiasGrad(dy: FloatArray, batch: number, channels: number, L: number, db: FloatArray): void;
}
