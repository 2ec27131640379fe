/**
 * Rearranging copies (movement beyond views): flip, roll, repeat, tile, repeatInterleave.
 * Composites of indexSelect, cat, narrow and expand, so their gradients come with those.
 */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { formatShape, normalizeDim, normalizeDims } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { indexSelect } from './indexing.js';
import { cat, clone, expand, narrow, reshape } from './movement.js';
import { shapeArgs } from '../tensor/strided.js';
import './methods.js';

/** `[0, 1, …, n-1]` (or reversed) as an int32 index tensor. */
export function int32Range(n: number, reverse = false): Tensor {
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
  return y === x ? clone(x) : y;
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
    if (s.length !== 1)
      throw new ShapeError(`roll: without dims, shifts must be a single number, got ${formatShape(s)}`);
    return reshape(roll(reshape(x, [x.numel()]), s[0], 0), x.shape);
  }
  const d = typeof dims === 'number' ? [dims] : dims;
  if (d.length !== s.length)
    throw new ShapeError(`roll: shifts ${formatShape(s)} and dims ${formatShape(d)} must have the same length`);
  let y = x;
  d.forEach((dim, i) => {
    const k = normalizeDim(dim, x.ndim, 'roll');
    const n = x.shape[k];
    const shift = n === 0 ? 0 : ((s[i] % n) + n) % n;
    if (shift !== 0) y = cat([narrow(y, k, n - shift, shift), narrow(y, k, 0, n - shift)], k);
  });
  return y === x ? clone(x) : y;
}

/**
 * Tiles the tensor `sizes[i]` times along dim i (`sizes` may add leading dims), like
 * `Tensor.repeat` in PyTorch (not NumPy's repeat; for that see `repeatInterleave`).
 * @example
 * tensor([1, 2]).repeat(2, 2); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new ShapeError(
      `repeat: number of repeat dims (${sizes.length}) cannot be smaller than the number of tensor dims (${x.ndim}, shape ${formatShape(x.shape)})`,
    );
  }
  if (sizes.some((r) => !Number.isInteger(r) || r < 0))
    throw new OptionError(`repeat: repeats must be non-negative integers, got ${formatShape(sizes)}`);
  const padded = [...sizes.slice(0, sizes.length - x.ndim).map(() => 1), ...x.shape];
  const interleaved = padded.flatMap((s) => [1, s]);
  const expanded = padded.flatMap((s, i) => [sizes[i], s]);
  return reshape(
    expand(reshape(x, interleaved), expanded),
    padded.map((s, i) => s * sizes[i]),
  );
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

/** The Tensor methods of this family (see tensor/methods.ts). */
export const rearrangeMethods = {
  flip(this: Tensor, ...dims: number[] | [readonly number[]]): Tensor {
    return flip(this, shapeArgs(dims));
  },
  roll(this: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return roll(this, shifts, dims);
  },
  repeat(this: Tensor, ...sizes: number[] | [readonly number[]]): Tensor {
    return repeat(this, shapeArgs(sizes));
  },
  tile(this: Tensor, ...sizes: number[] | [readonly number[]]): Tensor {
    return tile(this, shapeArgs(sizes));
  },
  repeatInterleave(this: Tensor, repeats: number, dim?: number): Tensor {
    return repeatInterleave(this, repeats, dim);
  },
};
installMethods(rearrangeMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof rearrangeMethods> {}
}
