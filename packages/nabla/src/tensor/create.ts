import { allocate, checkDType, checkValueFits, type DType } from './dtype.js';
import { DTypeError, OptionError, ShapeError } from './errors.js';
import { checkOptions, type OptionKeys } from './options.js';
import { defaultGenerator, type Generator } from './random.js';
import { checkShape, formatShape, numel, type Shape } from './shape.js';
import { Tensor } from './tensor.js';
import type { NestedArray } from './format.js';

/** Options shared by the creation functions. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

const TENSOR_KEYS: OptionKeys<TensorOptions> = { dtype: true, requiresGrad: true };
const RANDOM_KEYS: OptionKeys<RandomOptions> = { ...TENSOR_KEYS, generator: true };

/** The checked dtype of a creation function's options (float32 when not given). */
function optionsDType(options: TensorOptions, op: string, keys: OptionKeys<TensorOptions> = TENSOR_KEYS): DType {
  checkOptions<TensorOptions>(op, options, keys);
  return checkDType(options.dtype ?? 'float32', op);
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function filled(
  shape: Shape,
  options: RandomOptions,
  fill: (i: number) => number,
  op: string,
  keys: OptionKeys<TensorOptions> = TENSOR_KEYS,
): Tensor {
  checkShape(shape, op);
  const data = allocate(optionsDType(options, op, keys), numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = fill(i);
  return finish(Tensor.fromData(data, shape), options);
}

function inferShape(data: NestedArray, path: string): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = inferShape(data[0], `${path}[0]`);
  data.forEach((item, i) => {
    const s = inferShape(item, `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k])) {
      throw new ShapeError(
        `tensor(): ragged nested array: ${path}[${i}] has shape ${formatShape(s)} but ${path}[0] has ${formatShape(inner)}`,
      );
    }
  });
  return [data.length, ...inner];
}

/** Float32/Float64/Int32 arrays keep their type; booleans give bool; anything else float32. */
function inferDType(data: unknown, flat: ArrayLike<number>): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (ArrayBuffer.isView(data)) return 'float32';
  return flat.length > 0 && typeof (flat as unknown[])[0] === 'boolean' ? 'bool' : 'float32';
}

/**
 * A tensor from a number, a nested array, or a typed array (copied; Float64Array and Int32Array
 * keep their dtype, like `torch.tensor` of a NumPy array). Integers in nested arrays
 * still give float32 unless `dtype` says otherwise. Into int32, fractions are truncated toward
 * zero and values outside int32's range (or NaN) are an error, as in PyTorch.
 * @example
 * const x = tensor([[1, 2], [3, 4]]);            // float32, shape [2, 2]
 * const y = tensor([0, 2, 1], { dtype: 'int32' }); // class labels
 */
export function tensor(data: NestedArray | ArrayLike<number>, options: TensorOptions = {}): Tensor {
  let shape: number[];
  let flat: ArrayLike<number>;
  if (ArrayBuffer.isView(data)) {
    shape = [(data as ArrayLike<number>).length];
    flat = data as ArrayLike<number>;
  } else {
    shape = inferShape(data as NestedArray, 'data');
    flat = (Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data]) as number[];
  }
  checkOptions('tensor()', options, TENSOR_KEYS);
  const dtype = options.dtype === undefined ? inferDType(data, flat) : checkDType(options.dtype, 'tensor()');
  const out = allocate(dtype, flat.length);
  const integer = dtype === 'int32' && !(data instanceof Int32Array);
  for (let i = 0; i < flat.length; i++) {
    const v = Number(flat[i]);
    if (typeof flat[i] !== 'number' && typeof flat[i] !== 'boolean')
      throw new DTypeError(`tensor(): element ${i} is ${typeof flat[i]}, not a number`);
    if (integer) checkValueFits(v, dtype, `tensor(): element ${i}`);
    out[i] = dtype === 'bool' ? +(v !== 0) : v;
  }
  return finish(Tensor.fromData(out, shape), options);
}

/**
 * `f([2, 3], options)`, or PyTorch's varargs form `f(2, 3)` with options last like its keyword
 * arguments (`f(2, 3, { dtype: 'float64' })` for `torch.zeros(2, 3, dtype=torch.float64)`).
 */
type SizeArgs<O> = [shape: Shape, options?: O] | [...sizes: number[], options: O] | number[];

function sizeArgs<O>(args: SizeArgs<O>, op: string): [Shape, O] {
  if (Array.isArray(args[0])) {
    if (args.length > 2) throw new ShapeError(`${op}: expected (shape, options), got ${args.length} arguments`);
    return [args[0] as Shape, (args[1] ?? {}) as O];
  }
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null;
  const sizes = (hasOptions ? args.slice(0, -1) : args) as unknown[];
  sizes.forEach((d, i) => {
    if (typeof d !== 'number') {
      const what = d === null ? 'null' : Array.isArray(d) ? 'an array' : typeof d === 'object' ? 'an object' : typeof d;
      throw new ShapeError(
        `${op}: sizes must be numbers; got ${what} at position ${i}: pass the shape as an array, or sizes then options last (${op}([2, 3], { dtype }) or ${op}(2, 3, { dtype }))`,
      );
    }
  });
  return [sizes as number[], (hasOptions ? last : {}) as O];
}

/**
 * A tensor of zeros; the shape as an array or as separate sizes, like `torch.zeros(2, 3)`.
 * @example
 * zeros(2, 3).shape; // [2, 3]
 */
export function zeros(shape: Shape, options?: TensorOptions): Tensor;
export function zeros(...sizes: [...number[], TensorOptions] | number[]): Tensor;
export function zeros(...args: SizeArgs<TensorOptions>): Tensor {
  const [shape, options] = sizeArgs(args, 'zeros');
  return filled(shape, options, () => 0, 'zeros');
}

/**
 * An uninitialised tensor in PyTorch; zero-filled here (JS has no uninitialised memory).
 * @example
 * empty(2, 3).shape; // [2, 3]
 */
export function empty(shape: Shape, options?: TensorOptions): Tensor;
export function empty(...sizes: [...number[], TensorOptions] | number[]): Tensor;
export function empty(...args: SizeArgs<TensorOptions>): Tensor {
  const [shape, options] = sizeArgs(args, 'empty');
  checkShape(shape, 'empty');
  const dtype = optionsDType(options, 'empty');
  return finish(Tensor.fromData(allocate(dtype, numel(shape)), shape), options); // allocate zero-fills
}

export function ones(shape: Shape, options?: TensorOptions): Tensor;
export function ones(...sizes: [...number[], TensorOptions] | number[]): Tensor;
export function ones(...args: SizeArgs<TensorOptions>): Tensor {
  const [shape, options] = sizeArgs(args, 'ones');
  return filled(shape, options, () => 1, 'ones');
}

export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkValueFits(value, optionsDType(options, 'full'), 'full');
  return filled(shape, options, () => value, 'full');
}

/** `[start, end)` by `step`, like `torch.arange`; integral arguments give int32 unless told. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new OptionError('arange: step must be nonzero');
  if ((end - start) * step < 0)
    throw new OptionError(
      `arange: the range [${start}, ${end}) and step ${step} point in opposite directions (PyTorch raises too)`,
    );
  const n = Math.max(0, Math.ceil((end - start) / step));
  const integral = [start, end, step].every(Number.isInteger);
  const withDType = { dtype: integral ? 'int32' : 'float32', ...options } satisfies TensorOptions;
  const dtype = optionsDType(withDType, 'arange');
  if (n > 0) {
    checkValueFits(start, dtype, 'arange: start');
    checkValueFits(start + (n - 1) * step, dtype, 'arange: last value');
  }
  return filled([n], withDType, (i) => start + i * step, 'arange');
}

/** `steps` evenly spaced points from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch fills the second half from the end so the last point is exact.
  const half = Math.floor(steps / 2);
  return filled([steps], options, (i) => (i < half ? start + step * i : end - step * (steps - 1 - i)), 'linspace');
}

export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  return filled([n, m], options, (i) => +(Math.floor(i / m) === i % m), 'eye');
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, options?: RandomOptions): Tensor;
export function rand(...sizes: [...number[], RandomOptions] | number[]): Tensor;
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options] = sizeArgs(args, 'rand');
  const g = options.generator ?? defaultGenerator;
  return filled(shape, options, () => g.random(), 'rand', RANDOM_KEYS);
}

/** Standard normal; `randn([2, 3])` or `randn(2, 3)`. */
export function randn(shape: Shape, options?: RandomOptions): Tensor;
export function randn(...sizes: [...number[], RandomOptions] | number[]): Tensor;
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options] = sizeArgs(args, 'randn');
  const g = options.generator ?? defaultGenerator;
  return filled(shape, options, () => g.normal(), 'randn', RANDOM_KEYS);
}

/** Uniform integers in [low, high) (low 0 when omitted, as `torch.randint(high, size)`), int32 by default. */
export function randint(low: number, high: number, shape: Shape, options?: RandomOptions): Tensor;
export function randint(high: number, shape: Shape, options?: RandomOptions): Tensor;
export function randint(...args: [number, number, Shape, RandomOptions?] | [number, Shape, RandomOptions?]): Tensor {
  const [low, high, shape, options = {}] = Array.isArray(args[1])
    ? [0, args[0], args[1], args[2] as RandomOptions | undefined]
    : (args as [number, number, Shape, RandomOptions?]);
  if (!(high > low)) throw new OptionError(`randint: expected low < high, got low=${low}, high=${high}`);
  const g = options.generator ?? defaultGenerator;
  const withDType = { dtype: 'int32', ...options } satisfies RandomOptions;
  checkValueFits(low, optionsDType(withDType, 'randint', RANDOM_KEYS), 'randint: low');
  checkValueFits(high - 1, withDType.dtype, 'randint: high - 1');
  return filled(shape, withDType, () => g.integer(low, high), 'randint', RANDOM_KEYS);
}

/** A random permutation of 0..n-1 (Fisher–Yates), int32. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  checkOptions('randperm', options, RANDOM_KEYS);
  if (options.dtype !== undefined && checkDType(options.dtype, 'randperm') !== 'int32')
    throw new DTypeError(`randperm: only dtype 'int32' is supported, got '${options.dtype}'`);
  const g = options.generator ?? defaultGenerator;
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    [data[i], data[j]] = [data[j], data[i]];
  }
  return Tensor.fromData(data, [n]);
}

/** `t`'s dtype unless `options` says otherwise; the options checked under the *Like function's name. */
function like(t: Tensor, options: RandomOptions, owner: string, keys: OptionKeys<TensorOptions> = TENSOR_KEYS) {
  checkOptions<TensorOptions>(owner, options, keys);
  return { dtype: t.dtype, ...options };
}
export const emptyLike = (t: Tensor, options: TensorOptions = {}): Tensor =>
  empty(t.shape, like(t, options, 'emptyLike'));
export const zerosLike = (t: Tensor, options: TensorOptions = {}): Tensor =>
  zeros(t.shape, like(t, options, 'zerosLike'));
export const onesLike = (t: Tensor, options: TensorOptions = {}): Tensor => ones(t.shape, like(t, options, 'onesLike'));
export const fullLike = (t: Tensor, value: number, options: TensorOptions = {}): Tensor =>
  full(t.shape, value, like(t, options, 'fullLike'));
export const randLike = (t: Tensor, options: RandomOptions = {}): Tensor =>
  rand(t.shape, like(t, options, 'randLike', RANDOM_KEYS));
export const randnLike = (t: Tensor, options: RandomOptions = {}): Tensor =>
  randn(t.shape, like(t, options, 'randnLike', RANDOM_KEYS));
