import type { FloatArray, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { Storage } from '../tensor/storage.js';
import type { OpKernels } from './op-kernels.js';
import type { DataKernels } from './data-kernels.js';
import type { OptimKernels } from './optim-kernels.js';
import type { UnitKernels } from './unit-kernels.js';
import type { RandomKernels } from './random-kernels.js';

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
  'neg',
  'exp',
  'log',
  'sqrt',
  'recip',
  'abs',
  'sign',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'erf',
  'floor',
  'ceil',
  'round',
  'log1p',
  'expm1',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
] as const;
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
  /**
   * Optional fused ReLU backward on dense float32 arrays of equal length: `out = y <= 0 ? 0 : dy`
   * (`where(le(y, 0), 0, dy)` without the bool mask). Without it the composite runs.
   */
  reluBackward?(y: Float32Array, dy: Float32Array, out: Float32Array): void;
  /**
   * Optional fused convolution (groups 1) on dense float arrays: the backend unfolds and
   * multiplies image by image, so the batch's unfolded columns never exist. Each kernel returns
   * false when it declines (dtype, size) and the composite of im2col, matmul and col2im runs.
   * `forward` writes `out = conv(x, weight) + bias`; `weightGrad` overwrites `dw` (and `db`);
   * `inputGrad` overwrites `dx`.
   */
  readonly conv2d?: {
    forward(x: FloatArray, weight: FloatArray, bias: FloatArray | null, out: FloatArray, w: ConvWindow): boolean;
    weightGrad(dy: FloatArray, x: FloatArray, dw: FloatArray, db: FloatArray | null, w: ConvWindow): boolean;
    inputGrad(dy: FloatArray, weight: FloatArray, dx: FloatArray, w: ConvWindow): boolean;
  };
  /** Copies a strided view of `shape` into another strided view (contiguous when dst strides are dense). */
  copy(src: Strided, dst: Strided, shape: Shape): void;
  /** Sets `out[start..end)` to `value` (zeroGrad zeroes every gradient with it each step). */
  fill(out: TypedArray, value: number, start: number, end: number): void;
  /** Converts element types (bool conversion is `x != 0`). */
  cast(x: TypedArray, out: TypedArray): void;
  /** Reduces the middle axis of a contiguous `[outer, size, inner]` array into `[outer, inner]`. */
  readonly reduce: {
    readonly [P in ReduceOp]: (x: TypedArray, out: TypedArray, outer: number, size: number, inner: number) => void;
  };
  /** Index of the first extreme value along the middle axis of `[outer, size, inner]`. */
  readonly argReduce: {
    readonly [P in ArgReduceOp]: (x: TypedArray, out: Int32Array, outer: number, size: number, inner: number) => void;
  };
  /**
   * Batched `out[b] = op(A[b]) @ op(B[b])` with `op(A)` of shape `[m, k]`, `op(B)` `[k, n]`.
   * `transA` means A is stored `[k, m]`; `transB` means B is stored `[n, k]`. A batch stride of 0
   * broadcasts one matrix over the batch. `out` is contiguous `[batch, m, n]` and overwritten.
   */
  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    batch: number,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    aBatchStride: number,
    bBatchStride: number,
  ): void;
  /** Softmax over the last axis of contiguous `[rows, cols]`. */
  softmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** Log-softmax over the last axis of contiguous `[rows, cols]` (log-sum-exp stable). */
  logSoftmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** `out[o, j, i] = x[o, index[o, j, i], i]`; x is `[outer, xSize, inner]`, index and out `[outer, idxSize, inner]`. */
  gather(
    x: TypedArray,
    index: Int32Array,
    out: TypedArray,
    outer: number,
    xSize: number,
    idxSize: number,
    inner: number,
  ): void;
  /** `out[o, index[o, j, i], i] += src[o, j, i]`; the inverse access pattern of `gather`. */
  scatterAdd(
    src: TypedArray,
    index: Int32Array,
    out: TypedArray,
    outer: number,
    outSize: number,
    idxSize: number,
    inner: number,
  ): void;
  /** `out[o, j, i] = x[o, index[j], i]` with a 1-D index. */
  indexSelect(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, xSize: number, inner: number): void;
  /** `out[o, index[j], i] += src[o, j, i]` with a 1-D index. */
  indexAdd(src: TypedArray, index: Int32Array, out: TypedArray, outer: number, outSize: number, inner: number): void;
  /**
   * Unfolds sliding windows: x `[batch, channels, height, width]` into cols
   * `[batch, channels·kernelH·kernelW, outH·outW]` (row = (c·kernelH + i)·kernelW + j), zeros where
   * a window reaches into the padding. Convolution is then one GEMM per group.
   */
  im2col(x: FloatArray, cols: FloatArray, w: Window2d): void;
  /** The adjoint of `im2col`: overwrites x with the sum of every column entry that reads it. */
  col2im(cols: FloatArray, x: FloatArray, w: Window2d): void;
  /**
   * Max over each window of `batch·channels` planes (padding never wins); `indices` gets the
   * flat position `h·width + w` of the maximum within its plane (first one on ties; NaN wins).
   * A dilated window whose taps all fall in the padding gives -inf and an index inside the plane.
   */
  maxPool2d(x: FloatArray, out: FloatArray, indices: Int32Array, w: Window2d): void;
  /**
   * Mean over each window with PyTorch's divisor: `divisor` when > 0, else the window size
   * clipped to the padded input (`countIncludePad`) or to the input itself.
   */
  avgPool2d(x: FloatArray, out: FloatArray, w: Window2d, countIncludePad: boolean, divisor: number): void;
  /** The adjoint of `avgPool2d`: overwrites dx with the spread-out `dy`. */
  avgPool2dBackward(dy: FloatArray, dx: FloatArray, w: Window2d, countIncludePad: boolean, divisor: number): void;
  /**
   * Per-channel mean and biased variance of x `[outer, channels, inner]` (two passes, so large
   * means do not cancel). `mean` and `variance` have `channels` entries (batch norm's statistics).
   */
  channelMoments(
    x: FloatArray,
    mean: Float64Array,
    variance: Float64Array,
    outer: number,
    channels: number,
    inner: number,
  ): void;
  /** Per-channel `sumDy[c] = Σ dy` and `sumDyXc[c] = Σ dy·(x − mean[c])` over `[outer, channels, inner]`. */
  channelGradSums(
    dy: FloatArray,
    x: FloatArray,
    mean: Float64Array,
    sumDy: Float64Array,
    sumDyXc: Float64Array,
    outer: number,
    channels: number,
    inner: number,
  ): void;
  /**
   * `out = a[c]·x + b[c]·y + d[c]` over `[outer, channels, inner]` (y null: `a[c]·x + d[c]`): batch
   * norm's forward and input gradient each in one pass.
   */
  channelAffine(
    x: FloatArray,
    y: FloatArray | null,
    a: Float64Array,
    b: Float64Array,
    d: Float64Array,
    out: FloatArray,
    outer: number,
    channels: number,
    inner: number,
  ): void;
  /** Fused per-parameter optimizer steps (see optim-kernels.ts), in place on dense arrays. */
  readonly optim: OptimKernels;
  /** Data set kernels: batch gathering and per-channel normalisation. */
  readonly data: DataKernels;
  /** Kernels of the ops outside this core table: scans, sorts, scatter, extra math, conv bias. */
  readonly ops: OpKernels;
  /** Per-unit statistics and slice edits of continual learning (see unit-kernels.ts). */
  readonly units: UnitKernels;
  /** Draws from a Generator's stream (see random-kernels.ts): dropout masks. */
  readonly random: RandomKernels;
}

/**
 * A 2-D sliding window over `batch·channels` planes of `height × width`. `padH`/`padW` are the
 * top/left padding; `outH`/`outW` are given (so asymmetric 'same' padding needs no extra field).
 * Window (oh, ow) reads rows `oh·strideH − padH + i·dilationH` for i < kernelH, and likewise columns.
 */
export interface Window2d {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly outH: number;
  readonly outW: number;
}

/** A convolution's window and its number of output channels (weight `[outChannels, channels, kernelH, kernelW]`). */
export interface ConvWindow extends Window2d {
  readonly outChannels: number;
}

export type { AdadeltaStep, AdagradStep, AdamStep, OptimKernels, RmspropStep, SgdStep } from './optim-kernels.js';
export type { ChannelNorm, DataKernels, PlaneGeometry } from './data-kernels.js';

export type { MathOp, OpKernels, ScatterMode } from './op-kernels.js';
export type { RandomKernels } from './random-kernels.js';
export type { UnitKernels } from './unit-kernels.js';

/** A backend: a name and its kernels. */
export interface Backend extends Kernels {
  readonly name: string;
  /**
   * Moves a long-lived storage (a parameter, its gradient, optimizer state) into memory the
   * kernels update in place, if the backend has such memory (WASM: its shared linear memory,
   * sparing the copies in and out of every step) and the storage suits it; does nothing
   * otherwise, or when the storage is there already. Optimizers call it after each update.
   */
  readonly keepResident?: (storage: Storage) => void;
}
