import { DTypeError, ShapeError, StateError } from './errors.js';
import type { GradFn } from '../autograd/graph.js';
import { dtypeOf, isFloating, type DType, type TypedArray } from './dtype.js';
import { formatTensor, type NestedArray } from './format.js';
import { contiguousStrides, formatShape, normalizeDim, numel, type Shape } from './shape.js';
import { Storage } from './storage.js';
import { contiguousData } from './strided.js';

/**
 * Key of the mark `exclusiveGrad` (autograd/graph.ts) puts on a gradient buffer: a field of the
 * tensor rather than a WeakSet entry, which cost ~6% of a batch-1 training step.
 */
export const EXCLUSIVE_GRAD: unique symbol = Symbol('exclusiveGrad');

/** A tensor operand: a tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

/**
 * An n-dimensional array with reverse-mode autograd. Views (reshape, permute, narrow, expand)
 * share storage; every op returns a new tensor and, when an input requires grad, records how
 * to differentiate it. This class holds only the core (storage, shape, strides, dtype, autograd
 * fields, data access, formatting): the op methods (`x.add(y)`, `x.sum()`…) are declared beside
 * each op in its family module under ops/ and installed on the prototype (see tensor/methods.ts);
 * `backward()` is installed by autograd/engine.ts.
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
  /** Set by autograd's `exclusiveGrad` only. */
  [EXCLUSIVE_GRAD] = false;

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
      throw new ShapeError(`Tensor.fromData: ${data.length} elements cannot have shape ${formatShape(shape)}`);
    }
    return new Tensor(new Storage(data), shape);
  }

  // ---- autograd ------------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloating(this.dtype)) {
      throw new DTypeError(`only tensors of floating point dtype can require gradients (this one is ${this.dtype})`);
    }
    if (!value && this._gradFn) {
      throw new StateError('requiresGrad can only be turned off on leaf tensors; use detach() instead');
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
    return this.shape[normalizeDim(dim, this.ndim, 'size')];
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
    // contiguousData packs a strided tensor into a fresh array, but hands back a dense one's own memory.
    return this.isContiguous()
      ? this.storage.data.slice(this.offset, this.offset + this.numel())
      : contiguousData(this);
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
      throw new ShapeError(
        `item(): a tensor with ${this.numel()} elements (shape ${formatShape(this.shape)}) cannot be converted to a number`,
      );
    }
    return this.storage.data[this.offset];
  }

  toString(): string {
    return formatTensor(this);
  }

  /** What Node's `console.log` and `util.inspect` print: `toString()`, PyTorch's `print(t)` text. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Same as `toArray()` (PyTorch's name). */
  tolist(): NestedArray {
    return this.toArray();
  }
  /** This tensor's memory outside autograd (PyTorch's `.data`): in-place ops on it are not recorded. */
  get data(): Tensor {
    return this.detach();
  }
  /**
   * Points this leaf at `value`'s memory, shape and dtype, as PyTorch's `t.data = value`: how
   * `Module.to(dtype)` converts parameters while every reference to them stays valid. Autograd
   * does not record it.
   * @example
   * const p = tensor([1, 2], { requiresGrad: true });
   * p.data = p.data.to('float64'); // p.dtype === 'float64', still the same tensor object
   */
  set data(value: Tensor) {
    if (this._gradFn) throw new StateError('data: only a leaf tensor (no grad function) can have its data replaced');
    if (this._requiresGrad && !isFloating(value.dtype)) {
      throw new DTypeError(`data: a tensor that requires grad needs floating point data, got ${value.dtype}`);
    }
    const v = value.detach();
    const self = this as unknown as {
      storage: Storage;
      shape: readonly number[];
      strides: readonly number[];
      offset: number;
      dtype: DType;
    };
    self.storage = v.storage;
    self.shape = v.shape.slice();
    self.strides = v.strides.slice();
    self.offset = v.offset;
    self.dtype = v.dtype;
  }
}
