/**
 * PyTorch tensor functions that are composites of the primitives (their gradients come for
 * free): flip, roll, repeat, tile, tril/triu, maskedFill, logical ops, any/all, isclose.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { promoteTypes, toFloating } from '../tensor/dtype.js';
import { formatShape, normalizeDim, normalizeDims } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { abs, add, asTensor, cast, eq, ge, gt, le, logicalAnd as andBool, mul, ne, sub, where } from './elementwise.js';
import { indexSelect } from './indexing.js';
import { cat, expand, narrow, reshape } from './movement.js';
import { sum } from './reduce.js';

function int32Range(n: number, reverse = false): Tensor {
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = reverse ? n - 1 - i : i;
  return Tensor.fromData(data, [n]);
}

/**
 * Reverses the order of elements along each of `dims`, like `torch.flip` (a copy).
 * @example
 * tensor([[1, 2], [3, 4]]).flip(0); // [[3, 4], [1, 2]]
 */
export function flip(x: Tensor, dims: readonly number[]): Tensor {
  let y = x;
  for (const d of normalizeDims(dims, x.ndim, 'flip')) {
    if (x.ndim > 0) y = indexSelect(y, d, int32Range(x.shape[d], true));
  }
  return y === x ? cloneOf(x) : y;
}

function cloneOf(x: Tensor): Tensor {
  return x.clone();
}

/**
 * Rolls elements along `dims` by `shifts` (wrapping around); without `dims` the tensor is
 * flattened, rolled and reshaped, like `torch.roll`.
 * @example
 * tensor([1, 2, 3, 4]).roll(1); // [4, 1, 2, 3]
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const s = typeof shifts === 'number' ? [shifts] : shifts;
  if (dims === undefined) {
    if (s.length !== 1) throw new Error(`roll: without dims, shifts must be a single number, got ${formatShape(s)}`);
    return reshape(roll(reshape(x, [x.numel()]), s[0], 0), x.shape);
  }
  const d = typeof dims === 'number' ? [dims] : dims;
  if (d.length !== s.length) throw new Error(`roll: shifts ${formatShape(s)} and dims ${formatShape(d)} must have the same length`);
  let y = x;
  d.forEach((dim, i) => {
    const k = normalizeDim(dim, x.ndim, 'roll');
    const n = x.shape[k];
    const shift = n === 0 ? 0 : ((s[i] % n) + n) % n;
    if (shift !== 0) y = cat([narrow(y, k, n - shift, shift), narrow(y, k, 0, n - shift)], k);
  });
  return y === x ? cloneOf(x) : y;
}

/**
 * Tiles the tensor `sizes[i]` times along dim i (`sizes` may add leading dims), like
 * `Tensor.repeat` in PyTorch (not NumPy's repeat; for that see `repeatInterleave`).
 * @example
 * tensor([1, 2]).repeat(2, 2); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new Error(`repeat: number of repeat dims (${sizes.length}) cannot be smaller than the number of tensor dims (${x.ndim}, shape ${formatShape(x.shape)})`);
  }
  if (sizes.some((r) => !Number.isInteger(r) || r < 0)) throw new Error(`repeat: repeats must be non-negative integers, got ${formatShape(sizes)}`);
  const padded = [...sizes.slice(0, sizes.length - x.ndim).map(() => 1), ...x.shape];
  const interleaved = padded.flatMap((s) => [1, s]);
  const expanded = padded.flatMap((s, i) => [sizes[i], s]);
  return reshape(expand(reshape(x, interleaved), expanded), padded.map((s, i) => s * sizes[i]));
}

/**
 * `repeat` with missing leading sizes taken as 1, like `torch.tile`.
 * @example
 * tensor([1, 2]).tile(2); // [1, 2, 1, 2]
 */
export function tile(x: Tensor, sizes: readonly number[]): Tensor {
  return repeat(x, [...Array<number>(Math.max(0, x.ndim - sizes.length)).fill(1), ...sizes]);
}

/**
 * Repeats each element `repeats` times along `dim` (flattening first when `dim` is omitted).
 * @example
 * tensor([1, 2]).repeatInterleave(2); // [1, 1, 2, 2]
 */
export function repeatInterleave(x: Tensor, repeats: number, dim?: number): Tensor {
  if (dim === undefined) return repeatInterleave(reshape(x, [x.numel()]), repeats, 0);
  const d = normalizeDim(dim, x.ndim, 'repeatInterleave');
  const n = x.shape[d];
  const idx = new Int32Array(n * repeats);
  for (let i = 0; i < idx.length; i++) idx[i] = Math.floor(i / repeats);
  return indexSelect(x, d, Tensor.fromData(idx, [idx.length]));
}

function triangleMask(x: Tensor, diagonal: number, lower: boolean, op: string): Tensor {
  if (x.ndim < 2) throw new Error(`${op}: input tensor must have at least 2 dimensions, got shape ${formatShape(x.shape)}`);
  const [r, c] = x.shape.slice(-2);
  const rows = reshape(int32Range(r), [r, 1]);
  const cols = reshape(int32Range(c), [1, c]);
  const offset = sub(cols, rows); // column - row
  return lower ? le(offset, diagonal) : ge(offset, diagonal);
}

/**
 * Keeps the lower triangle (`col - row <= diagonal`) of the last two dims, zeroing the rest.
 * @example
 * ones([3, 3]).tril().sum(); // 6
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return where(triangleMask(x, diagonal, true, 'tril'), x, 0);
}

/**
 * Keeps the upper triangle (`col - row >= diagonal`) of the last two dims, zeroing the rest.
 * @example
 * ones([2, 3]).triu(1); // [[0, 1, 1], [0, 0, 1]]
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return where(triangleMask(x, diagonal, false, 'triu'), x, 0);
}

/**
 * `value` where `mask` (a bool tensor broadcastable to x) is true, else x; keeps x's dtype,
 * like `Tensor.masked_fill`.
 * @example
 * tensor([1, 2, 3]).maskedFill(tensor([true, false, true]), 0); // [0, 2, 0]
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  if (mask.dtype !== 'bool') throw new TypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new Error(`maskedFill: value must be a number or a 0-d tensor, got shape ${formatShape(value.shape)}`);
  }
  const filled = where(mask, cast(asTensor(value, x.dtype), x.dtype), x);
  if (filled.ndim !== x.ndim || filled.shape.some((s, i) => s !== x.shape[i])) {
    throw new Error(`maskedFill: mask of shape ${formatShape(mask.shape)} is not broadcastable to the input's shape ${formatShape(x.shape)}`);
  }
  return filled;
}

const truthy = (x: TensorLike): Tensor => (x instanceof Tensor && x.dtype === 'bool' ? x : ne(x, 0));

/**
 * True where both are nonzero (bool result), like `torch.logical_and`.
 * @example
 * logicalAnd(tensor([true, false]), tensor([true, true])); // [true, false]
 */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return andBool(truthy(a), truthy(b));
}
/**
 * True where either is nonzero, like `torch.logical_or`.
 * @example
 * logicalOr(tensor([true, false]), tensor([false, false])); // [true, false]
 */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return gt(add(cast(truthy(a), 'int32'), cast(truthy(b), 'int32')), 0);
}
/**
 * True where exactly one is nonzero, like `torch.logical_xor`.
 * @example
 * logicalXor(tensor([true, false]), tensor([true, true])); // [false, true]
 */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return ne(truthy(a), truthy(b));
}

/**
 * True where any element along `dim` (all dims when omitted) is nonzero; a bool tensor.
 * @example
 * tensor([[0, 1], [0, 0]]).any(1); // [true, false]
 */
export function any(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return gt(sum(cast(truthy(x), 'int32'), dim, keepdim), 0);
}

/**
 * True where every element along `dim` (all dims when omitted) is nonzero; a bool tensor.
 * @example
 * tensor([[1, 1], [0, 1]]).all(1); // [true, false]
 */
export function all(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const zero = eq(cast(truthy(x), 'int32'), 0);
  return eq(sum(cast(zero, 'int32'), dim, keepdim), 0);
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/**
 * `|a - b| <= atol + rtol·|b|` elementwise (infinities equal themselves), like `torch.isclose`.
 * @example
 * tensor([1, 2]).isclose(tensor([1 + 1e-7, 2.1])); // [true, false]
 */
export function isclose(a: Tensor, b: TensorLike, options: CloseOptions = {}): Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
  return noGrad(() => {
    const bt = asTensor(b, a.dtype);
    const dt = promoteTypes(toFloating(a.dtype), toFloating(bt.dtype));
    const x = cast(a, dt);
    const y = cast(bt, dt);
    const diff = abs(sub(x, y));
    // An infinite difference is never "within" tolerance, even against an infinite rtol·|b|.
    const within = logicalAnd(ne(diff, Infinity), le(diff, add(mul(abs(y), rtol), atol)));
    let close = logicalOr(eq(x, y), within);
    if (equalNan) close = logicalOr(close, logicalAnd(ne(x, x), ne(y, y)));
    return close;
  });
}

/**
 * Whether every element of `a` is close to `b` (see `isclose`), like `torch.allclose`.
 * @example
 * tensor([1, 2]).allclose(tensor([1, 2 + 1e-6])); // true
 */
export function allclose(a: Tensor, b: TensorLike, options: CloseOptions = {}): boolean {
  return all(isclose(a, b, options)).item() !== 0;
}

/**
 * Same shape and same elements, like `torch.equal`.
 * @example
 * equal(tensor([1, 2]), tensor([1, 2])); // true
 */
export function equal(a: Tensor, b: Tensor): boolean {
  if (a.ndim !== b.ndim || a.shape.some((s, i) => s !== b.shape[i])) return false;
  return all(eq(a, b)).item() !== 0;
}
