import type { FloatArray, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/**
 * The kernel table a backend implements. Every member is required, and op families are mapped
 * types over their op unions, so a backend that lacks a kernel fails to compile.
 *
 * Kernels see plain typed arrays: "contiguous" inputs are dense row-major; `Strided` inputs carry
 * strides that the op layer has already broadcast to the output shape (stride 0 = broadcast).
 * Outputs are preallocated by the caller and written in full.
 */
export interface Strided {
  readonly data: TypedArray;
  readonly strides: readonly number[];
  readonly offset: number;
}

export const UNARY_OPS = [
  'neg', 'exp', 'log', 'sqrt', 'recip', 'abs', 'sign', 'sin', 'cos', 'tanh', 'sigmoid', 'relu',
  'erf', 'floor', 'ceil', 'round', 'log1p', 'expm1',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export type ReduceOp = 'sum' | 'max' | 'min';
export type ArgReduceOp = 'argmax' | 'argmin';

export interface Kernels {
  /** Elementwise `out[i] = op(x[i])` on contiguous arrays of equal length. */
  readonly unary: { readonly [P in UnaryOp]: (x: TypedArray, out: TypedArray) => void };
  /** Elementwise with broadcasting: `a`, `b` strided to `shape`, `out` contiguous. */
  readonly binary: { readonly [P in BinaryOp]: (a: Strided, b: Strided, out: TypedArray, shape: Shape) => void };
  /** `out = cond ? a : b`, all strided to `shape`. */
  where(cond: Strided, a: Strided, b: Strided, out: TypedArray, shape: Shape): void;
  /** Copies a strided view of `shape` into another strided view (contiguous when dst strides are dense). */
  copy(src: Strided, dst: Strided, shape: Shape): void;
  /** Converts element types (bool conversion is `x != 0`). */
  cast(x: TypedArray, out: TypedArray): void;
  /** Reduces the middle axis of a contiguous `[outer, size, inner]` array into `[outer, inner]`. */
  readonly reduce: { readonly [P in ReduceOp]: (x: TypedArray, out: TypedArray, outer: number, size: number, inner: number) => void };
  /** Index of the first extreme value along the middle axis of `[outer, size, inner]`. */
  readonly argReduce: { readonly [P in ArgReduceOp]: (x: TypedArray, out: Int32Array, outer: number, size: number, inner: number) => void };
  /**
   * Batched `out[b] = op(A[b]) @ op(B[b])` with `op(A)` of shape `[m, k]`, `op(B)` `[k, n]`.
   * `transA` means A is stored `[k, m]`; `transB` means B is stored `[n, k]`. A batch stride of 0
   * broadcasts one matrix over the batch. `out` is contiguous `[batch, m, n]` and overwritten.
   */
  matmul(
    a: FloatArray, b: FloatArray, out: FloatArray,
    batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
  ): void;
  /** Softmax over the last axis of contiguous `[rows, cols]`. */
  softmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** Log-softmax over the last axis of contiguous `[rows, cols]` (log-sum-exp stable). */
  logSoftmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** `out[o, j, i] = x[o, index[o, j, i], i]`; x is `[outer, xSize, inner]`, index and out `[outer, idxSize, inner]`. */
  gather(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, xSize: number, idxSize: number, inner: number): void;
  /** `out[o, index[o, j, i], i] += src[o, j, i]`; the inverse access pattern of `gather`. */
  scatterAdd(src: TypedArray, index: Int32Array, out: TypedArray, outer: number, outSize: number, idxSize: number, inner: number): void;
  /** `out[o, j, i] = x[o, index[j], i]` with a 1-D index. */
  indexSelect(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, xSize: number, inner: number): void;
  /** `out[o, index[j], i] += src[o, j, i]` with a 1-D index. */
  indexAdd(src: TypedArray, index: Int32Array, out: TypedArray, outer: number, outSize: number, inner: number): void;
}

/** A backend: a name and its kernels. */
export interface Backend extends Kernels {
  readonly name: string;
}
