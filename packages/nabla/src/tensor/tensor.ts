import type { GradFn } from '../autograd/graph.js';
import { runBackward, type BackwardOptions } from '../autograd/engine.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import * as E from '../ops/elementwise.js';
import * as R from '../ops/reduce.js';
import * as M from '../ops/movement.js';
import * as I from '../ops/indexing.js';
import { matmul } from '../ops/matmul.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import * as X from '../ops/extra.js';
import * as L from '../ops/linalg.js';
import * as DV from '../ops/division.js';
import * as S from '../ops/scan.js';
import * as SC from '../ops/scatter.js';
import * as TR from '../ops/trig.js';
import * as FN from '../ops/functions.js';
import { allocate, dtypeOf, isFloating, type DType, type TypedArray } from './dtype.js';
import { formatTensor, type NestedArray } from './format.js';
import { contiguousStrides, formatShape, numel, type Shape } from './shape.js';
import { Storage } from './storage.js';
import { defaultGenerator, type Generator } from './random.js';

/** A tensor operand: a tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

/**
 * An n-dimensional array with reverse-mode autograd. Views (reshape, permute, narrow, expand)
 * share storage; every op returns a new tensor and, when an input requires grad, records how
 * to differentiate it.
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const loss = x.mul(x).sum();
 * loss.backward();
 * x.grad!.toArray(); // [[2, 4], [6, 8]]
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly dtype: DType;
  /** Gradient accumulated by `backward()` (leaves, or tensors that called `retainGrad()`). */
  grad: Tensor | null = null;
  private _requiresGrad = false;
  private _gradFn: GradFn | null = null;
  private _retainsGrad = false;

  constructor(
    readonly storage: Storage,
    shape: Shape,
    strides?: Shape,
    readonly offset = 0,
  ) {
    // Copied (callers may reuse their arrays) but not frozen: `readonly` guards them at compile
    // time, and freezing cost ~10% of a small op's time. Omitted strides mean contiguous.
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
    this.dtype = dtypeOf(storage.data);
  }

  /** Wraps a contiguous typed array (no copy). */
  static fromData(data: TypedArray, shape: Shape): Tensor {
    if (data.length !== numel(shape)) {
      throw new Error(`Tensor.fromData: ${data.length} elements cannot have shape ${formatShape(shape)}`);
    }
    return new Tensor(new Storage(data), shape);
  }

  // ---- autograd ------------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloating(this.dtype)) {
      throw new Error(`only tensors of floating point dtype can require gradients (this one is ${this.dtype})`);
    }
    if (!value && this._gradFn) {
      throw new Error('requiresGrad can only be turned off on leaf tensors; use detach() instead');
    }
    this._requiresGrad = value;
  }

  /** Sets `requiresGrad` and returns `this`, like PyTorch's `requires_grad_()`. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** The node that produced this tensor, or null for leaves. */
  get gradFn(): GradFn | null {
    return this._gradFn;
  }

  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /** Keeps `.grad` on this non-leaf tensor after `backward()`. */
  retainGrad(): this {
    this._retainsGrad = true;
    return this;
  }

  /** @internal Used by `record` when an op builds the graph. */
  attachGradFn(fn: GradFn): void {
    this._gradFn = fn;
    this._requiresGrad = true;
  }

  /**
   * Backpropagates from this tensor: fills `.grad` of every leaf that requires grad. A
   * non-scalar output needs `gradient` (the vector in the vector-Jacobian product). The graph is
   * freed afterwards unless `{ retainGraph: true }`, as in PyTorch.
   * @example
   * const x = tensor([1, 2], { requiresGrad: true });
   * const loss = x.mul(x).sum();
   * loss.backward(undefined, { retainGraph: true }); // keeps the graph for a second pass
   * loss.backward();
   * x.grad!.toArray(); // [4, 8]
   */
  backward(gradient?: Tensor, options?: BackwardOptions): void {
    runBackward(this, gradient, options);
  }

  /** A tensor sharing storage with this one, cut off from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  // ---- metadata and data access -------------------------------------------------------------

  get ndim(): number {
    return this.shape.length;
  }

  /** Size of one dimension (negative counts from the end), or the whole shape. */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    return this.shape[M.dimIndex(dim, this.ndim, 'size')];
  }

  numel(): number {
    return numel(this.shape);
  }

  dim(): number {
    return this.shape.length;
  }

  isFloatingPoint(): boolean {
    return isFloating(this.dtype);
  }

  isContiguous(): boolean {
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== expect) return false;
      expect *= this.shape[d];
    }
    return true;
  }

  /** The elements in row-major order, as a new typed array. */
  toTypedArray(): TypedArray {
    const c = this.contiguous();
    return c.storage.data.slice(c.offset, c.offset + c.numel());
  }

  /** The elements as nested JS arrays (booleans for bool tensors). */
  toArray(): NestedArray {
    const flat = Array.from(this.toTypedArray(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return flat[start];
      const step = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) {
      throw new Error(`item(): a tensor with ${this.numel()} elements (shape ${formatShape(this.shape)}) cannot be converted to a number`);
    }
    return this.storage.data[this.offset];
  }

  toString(): string {
    return formatTensor(this);
  }

  // ---- dtype --------------------------------------------------------------------------------

  /** Casts to `dtype` (differentiable between float types); returns `this` if it already is. */
  to(dtype: DType): Tensor {
    return E.cast(this, dtype);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  /** int32: nabla's integer type stands in for PyTorch's int64 (`y.long()` for class labels). */
  long(): Tensor {
    return this.to('int32');
  }
  typeAs(other: Tensor): Tensor {
    return this.to(other.dtype);
  }

  // ---- elementwise --------------------------------------------------------------------------

  add(other: TensorLike, alpha?: number): Tensor {
    return E.add(this, alpha === undefined ? other : E.mul(other, alpha));
  }
  sub(other: TensorLike, alpha?: number): Tensor {
    return E.sub(this, alpha === undefined ? other : E.mul(other, alpha));
  }
  mul(other: TensorLike): Tensor {
    return E.mul(this, other);
  }
  /** True division, or rounded with `{ roundingMode: 'floor' | 'trunc' }` (PyTorch's rounding_mode). */
  div(other: TensorLike, options: { roundingMode?: DV.RoundingMode | null } = {}): Tensor {
    return DV.divide(this, other, options.roundingMode);
  }
  pow(exponent: TensorLike): Tensor {
    return E.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return E.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return E.minimum(this, other);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  rsqrt(): Tensor {
    return E.reciprocal(E.sqrt(this));
  }
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  square(): Tensor {
    return E.mul(this, this);
  }
  abs(): Tensor {
    return E.abs(this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  sin(): Tensor {
    return E.sin(this);
  }
  cos(): Tensor {
    return E.cos(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  erf(): Tensor {
    return E.erf(this);
  }
  log1p(): Tensor {
    return E.log1p(this);
  }
  expm1(): Tensor {
    return E.expm1(this);
  }
  floor(): Tensor {
    return E.floor(this);
  }
  ceil(): Tensor {
    return E.ceil(this);
  }
  round(): Tensor {
    return E.round(this);
  }
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return E.clamp(this, min, max);
  }
  eq(other: TensorLike): Tensor {
    return E.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return E.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return E.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return E.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return E.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return E.ge(this, other);
  }
  isnan(): Tensor {
    return E.ne(this, this);
  }
  logicalNot(): Tensor {
    return E.eq(this, 0);
  }
  /** `where(condition, this, other)`, like `Tensor.where` in PyTorch. */
  where(condition: Tensor, other: TensorLike): Tensor {
    return E.where(condition, this, other);
  }

  // ---- reductions ---------------------------------------------------------------------------

  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  /** Without `dim`: the maximum element. With `dim`: `{ values, indices }` along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  /** With a tensor: the elementwise maximum, like `torch.max(a, b)`. */
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, keepdim = false): Tensor | R.ValuesIndices {
    if (dim instanceof Tensor) return E.maximum(this, dim);
    return dim === undefined ? R.amax(this) : R.maxDim(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, keepdim = false): Tensor | R.ValuesIndices {
    if (dim instanceof Tensor) return E.minimum(this, dim);
    return dim === undefined ? R.amin(this) : R.minDim(this, dim, keepdim);
  }
  amax(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  amin(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  /** Variance; `correction` 1 (unbiased, PyTorch's default) or 0. */
  var(dim?: number | readonly number[], options: R.VarOptions = {}): Tensor {
    return R.variance(this, dim, options);
  }
  std(dim?: number | readonly number[], options: R.VarOptions = {}): Tensor {
    return R.std(this, dim, options);
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  softmax(dim: number): Tensor {
    return softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return logSoftmax(this, dim);
  }

  // ---- linear algebra -----------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }

  // ---- views and shaping --------------------------------------------------------------------

  contiguous(): Tensor {
    return M.contiguous(this);
  }
  clone(): Tensor {
    return M.clone(this);
  }
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return M.reshape(this, M.shapeArgs(shape));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return M.view(this, M.shapeArgs(shape));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return M.flatten(this, startDim, endDim);
  }
  squeeze(dim?: number): Tensor {
    return M.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return M.unsqueeze(this, dim);
  }
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return M.permute(this, M.shapeArgs(dims));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return M.transpose(this, dim0, dim1);
  }
  /** Transpose of a 2-D tensor (a 1-D or 0-D tensor is returned as is). */
  t(): Tensor {
    if (this.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but got ${this.ndim}`);
    return this.ndim < 2 ? this : M.transpose(this, 0, 1);
  }
  /** Swaps the last two dimensions. */
  get mT(): Tensor {
    return M.transpose(this, -2, -1);
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return M.expand(this, M.shapeArgs(shape));
  }
  expandAs(other: Tensor): Tensor {
    return M.expand(this, other.shape);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return M.narrow(this, dim, start, length);
  }
  /** `x[..., start:end:step, ...]` along `dim` (negative and omitted bounds as in Python). */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return M.slice(this, dim, start, end, step);
  }
  /** `x[..., index, ...]`: removes `dim`. */
  select(dim: number, index: number): Tensor {
    return M.select(this, dim, index);
  }
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return M.split(this, splitSize, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return M.chunk(this, chunks, dim);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }

  // ---- PyTorch extras (composites in ops/extra.ts, scans and sorting in ops/scan.ts) ----------

  cumsum(dim: number): Tensor { return S.cumsum(this, dim); }
  cumprod(dim: number): Tensor { return S.cumprod(this, dim); }
  prod(dim?: number, keepdim = false): Tensor { return S.prod(this, dim, keepdim); }
  /** `{ values, indices }` sorted along `dim` (default -1). */
  sort(dim = -1, descending = false): R.ValuesIndices { return S.sort(this, dim, descending); }
  argsort(dim = -1, descending = false): Tensor { return S.argsort(this, dim, descending); }
  topk(k: number, dim = -1, largest = true): R.ValuesIndices { return S.topk(this, k, dim, largest); }
  median(): Tensor;
  median(dim: number, keepdim?: boolean): R.ValuesIndices;
  median(dim?: number, keepdim = false): Tensor | R.ValuesIndices { return dim === undefined ? S.median(this) : S.median(this, dim, keepdim); }
  flip(...dims: number[] | [readonly number[]]): Tensor { return X.flip(this, M.shapeArgs(dims)); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor { return X.roll(this, shifts, dims); }
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return X.repeat(this, M.shapeArgs(sizes)); }
  tile(...sizes: number[] | [readonly number[]]): Tensor { return X.tile(this, M.shapeArgs(sizes)); }
  repeatInterleave(repeats: number, dim?: number): Tensor { return X.repeatInterleave(this, repeats, dim); }
  tril(diagonal = 0): Tensor { return X.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return X.triu(this, diagonal); }
  maskedFill(mask: Tensor, value: TensorLike): Tensor { return X.maskedFill(this, mask, value); }
  logicalAnd(other: TensorLike): Tensor { return X.logicalAnd(this, other); }
  logicalOr(other: TensorLike): Tensor { return X.logicalOr(this, other); }
  logicalXor(other: TensorLike): Tensor { return X.logicalXor(this, other); }
  any(dim?: number | readonly number[], keepdim = false): Tensor { return X.any(this, dim, keepdim); }
  all(dim?: number | readonly number[], keepdim = false): Tensor { return X.all(this, dim, keepdim); }
  isclose(other: TensorLike, options: X.CloseOptions = {}): Tensor { return X.isclose(this, other, options); }
  allclose(other: TensorLike, options: X.CloseOptions = {}): boolean { return X.allclose(this, other, options); }
  equal(other: Tensor): boolean { return X.equal(this, other); }
  floorDivide(other: TensorLike): Tensor { return DV.floorDivide(this, other); }
  remainder(other: TensorLike): Tensor { return DV.remainder(this, other); }
  fmod(other: TensorLike): Tensor { return DV.fmod(this, other); }
  isinf(): Tensor { return FN.isinf(this); }
  isfinite(): Tensor { return FN.isfinite(this); }
  nanToNum(options: FN.NanToNumOptions = {}): Tensor { return FN.nanToNum(this, options); }
  trunc(): Tensor { return DV.trunc(this); }
  log2(): Tensor { return DV.log2(this); }
  tan(): Tensor { return TR.tan(this); }
  atan(): Tensor { return TR.atan(this); }
  asin(): Tensor { return TR.asin(this); }
  acos(): Tensor { return TR.acos(this); }
  sinh(): Tensor { return TR.sinh(this); }
  cosh(): Tensor { return TR.cosh(this); }
  asinh(): Tensor { return TR.asinh(this); }
  acosh(): Tensor { return TR.acosh(this); }
  atanh(): Tensor { return TR.atanh(this); }
  exp2(): Tensor { return TR.exp2(this); }
  /** `atan2(this, other)`: the angle of (other, this), like `torch.atan2(input, other)`. */
  atan2(other: TensorLike): Tensor { return TR.atan2(this, other); }
  log10(): Tensor { return DV.log10(this); }
  clip(min?: TensorLike | null, max?: TensorLike | null): Tensor { return E.clamp(this, min, max); }
  mm(other: Tensor): Tensor { return L.mm(this, other); }
  bmm(other: Tensor): Tensor { return L.bmm(this, other); }
  mv(vec: Tensor): Tensor { return L.mv(this, vec); }
  dot(other: Tensor): Tensor { return L.dot(this, other); }
  outer(other: Tensor): Tensor { return L.outer(this, other); }
  trace(): Tensor { return L.trace(this); }
  diag(diagonal = 0): Tensor { return L.diag(this, diagonal); }
  /** Vector p-norm over `dim` (all elements when omitted); `p` 2 by default. */
  norm(p: number | 'fro' = 2, dim?: number | readonly number[], keepdim = false): Tensor { return L.norm(this, p, dim, keepdim); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return SC.scatter(this, dim, index, src); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return SC.scatterAdd(this, dim, index, src); }
  nonzero(): Tensor { return SC.nonzero(this); }
  maskedSelect(mask: Tensor): Tensor { return SC.maskedSelect(this, mask); }
  /** All dims reversed (PyTorch's `.T`; the transpose for 2-D). */
  get T(): Tensor { return M.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  /** The slices along `dim` (each without it), like `torch.unbind`. */
  unbind(dim = 0): Tensor[] { return Array.from({ length: this.shape[M.dimIndex(dim, this.ndim, 'unbind')] }, (_, i) => M.select(this, dim, i)); }
  reshapeAs(other: Tensor): Tensor { return M.reshape(this, other.shape); }
  viewAs(other: Tensor): Tensor { return M.view(this, other.shape); }
  /** Same as `toArray()` (PyTorch's name). */
  tolist(): NestedArray { return this.toArray(); }
  /** This tensor's memory outside autograd (PyTorch's `.data`): in-place ops on it are not recorded. */
  get data(): Tensor { return this.detach(); }
  /**
   * Points this leaf at `value`'s memory, shape and dtype, as PyTorch's `t.data = value`: how
   * `Module.to(dtype)` converts parameters while every reference to them stays valid. Autograd
   * does not record it.
   * @example
   * const p = tensor([1, 2], { requiresGrad: true });
   * p.data = p.data.to('float64'); // p.dtype === 'float64', still the same tensor object
   */
  set data(value: Tensor) {
    if (this._gradFn) throw new Error('data: only a leaf tensor (no grad function) can have its data replaced');
    if (this._requiresGrad && !isFloating(value.dtype)) {
      throw new TypeError(`data: a tensor that requires grad needs floating point data, got ${value.dtype}`);
    }
    const v = value.detach();
    const self = this as unknown as { storage: Storage; shape: readonly number[]; strides: readonly number[]; offset: number; dtype: DType };
    self.storage = v.storage;
    self.shape = v.shape.slice();
    self.strides = v.strides.slice();
    self.offset = v.offset;
    self.dtype = v.dtype;
  }

  // ---- in-place (only where autograd is not watching) ----------------------------------------

  private inPlace(op: string, compute: () => Tensor, direct?: () => boolean): this {
    if (isGradEnabled() && this.requiresGrad) {
      throw new Error(
        this.isLeaf
          ? `${op}: a leaf tensor that requires grad cannot be modified in place; wrap the update in noGrad(() => ...)`
          : `${op}: in-place ops on tensors that are part of the autograd graph are not supported; use the out-of-place op`,
      );
    }
    if (!direct || !noGrad(direct)) {
      const value = noGrad(compute);
      const src = M.expand(value.to(this.dtype), this.shape);
      getBackend().copy(M.strided(src), M.strided(this), this.shape);
    }
    this.storage.version++;
    return this;
  }
  /** Copies `src` (broadcast to this shape) into this tensor's memory. */
  copy_(src: TensorLike): this {
    return this.inPlace('copy_', () => E.asTensor(src, this.dtype));
  }
  fill_(value: number): this {
    // A dense float tensor is filled natively (zeroGrad zeros every gradient each step).
    const direct = (): boolean => {
      if (!isFloating(this.dtype) || !this.isContiguous()) return false;
      this.storage.data.fill(value, this.offset, this.offset + this.numel());
      return true;
    };
    return this.inPlace('fill_', () => E.asTensor(value, this.dtype), direct);
  }
  /** Fills with N(mean, std²) samples, like `Tensor.normal_`. */
  normal_(mean = 0, std = 1, generator: Generator = defaultGenerator): this {
    return this.inPlace('normal_', () => Tensor.fromData(Float64Array.from({ length: this.numel() }, () => mean + std * generator.normal()), this.shape));
  }
  /** Fills with U(from, to) samples, like `Tensor.uniform_`. */
  uniform_(from = 0, to = 1, generator: Generator = defaultGenerator): this {
    return this.inPlace('uniform_', () => Tensor.fromData(Float64Array.from({ length: this.numel() }, () => from + (to - from) * generator.random()), this.shape));
  }
  maskedFill_(mask: Tensor, value: number): this {
    return this.inPlace('maskedFill_', () => X.maskedFill(this, mask, value));
  }
  zero_(): this {
    return this.fill_(0);
  }
  /** `this op= other`, computed straight into this tensor's memory when that is safe. */
  private binaryInPlace(op: 'add' | 'sub' | 'mul' | 'div', other: TensorLike, alpha?: number): this {
    const rhs = alpha === undefined ? other : noGrad(() => E.mul(other, alpha));
    return this.inPlace(`${op}_`, () => E[op](this, rhs), () => E.binaryInto(op, this, rhs));
  }
  add_(other: TensorLike, alpha?: number): this {
    return this.binaryInPlace('add', other, alpha);
  }
  sub_(other: TensorLike, alpha?: number): this {
    return this.binaryInPlace('sub', other, alpha);
  }
  mul_(other: TensorLike): this {
    return this.binaryInPlace('mul', other);
  }
  div_(other: TensorLike): this {
    return this.binaryInPlace('div', other);
  }
  clamp_(min?: TensorLike | null, max?: TensorLike | null): this {
    return this.inPlace('clamp_', () => this.clamp(min, max));
  }
}

/** Allocates an uninitialised-free (zeroed) contiguous tensor; used by ops. */
export function empty(shape: Shape, dtype: DType = 'float32'): Tensor {
  return Tensor.fromData(allocate(dtype, numel(shape)), shape);
}
