/**
 * Resizing `[N, C, H, W]` images like `torch.nn.functional.interpolate` (modes 'nearest' and
 * 'bilinear'), composed from indexSelect and elementwise ops, so gradients come from theirs
 * (indexSelect's gradient adds each output back onto the pixels it read).
 */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { tensor } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, mul } from './elementwise.js';
import { indexSelect } from './indexing.js';
import { squeeze, unsqueeze } from './movement.js';

export interface InterpolateOptions {
  /** Output `[H, W]` (or one number for both). Give this or `scaleFactor`. */
  size?: number | readonly [number, number];
  /** Output size = floor(input size · scaleFactor). */
  scaleFactor?: number | readonly [number, number];
  mode?: 'nearest' | 'bilinear';
  /** Bilinear only: align the corner pixels' centres (PyTorch's default false). */
  alignCorners?: boolean;
}

/** PyTorch's source-to-destination scale: 1/scaleFactor when given, else in/out. */
function scaleOf(inSize: number, outSize: number, factor: number | undefined): number {
  return factor !== undefined ? 1 / factor : inSize / outSize;
}

/** `nearest_idx`: floor(i · scale) in float32 arithmetic as PyTorch computes it, clamped. */
function nearestIndex(inSize: number, outSize: number, factor: number | undefined): Tensor {
  const scale = Math.fround(factor !== undefined ? 1 / factor : Math.fround(inSize) / outSize);
  const idx = Array.from({ length: outSize }, (_, i) => {
    if (outSize === inSize) return i;
    if (outSize === 2 * inSize) return i >> 1;
    return Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  });
  return tensor(idx, { dtype: 'int32' });
}

/** Linear interpolation along one dim: two gathers and their weights. */
function linearAlong(
  x: Tensor,
  dim: number,
  outSize: number,
  factor: number | undefined,
  alignCorners: boolean,
): Tensor {
  const inSize = x.shape[dim];
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : scaleOf(inSize, outSize, factor);
  const i0: number[] = [];
  const i1: number[] = [];
  const w1: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const src = alignCorners ? scale * i : Math.max(scale * (i + 0.5) - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0.push(lo);
    i1.push(Math.min(lo + 1, inSize - 1));
    w1.push(src - lo);
  }
  const shape = x.shape.map((_, d) => (d === dim ? outSize : 1));
  const lam1 = tensor(w1, { dtype: x.dtype }).reshape(shape);
  const lam0 = tensor(
    w1.map((w) => 1 - w),
    { dtype: x.dtype },
  ).reshape(shape);
  const a = indexSelect(x, dim, tensor(i0, { dtype: 'int32' }));
  const b = indexSelect(x, dim, tensor(i1, { dtype: 'int32' }));
  return add(mul(a, lam0), mul(b, lam1));
}

function outputSize(
  x: Tensor,
  options: InterpolateOptions,
): { size: [number, number]; factors: [number | undefined, number | undefined] } {
  const { size, scaleFactor } = options;
  if ((size === undefined) === (scaleFactor === undefined))
    throw new OptionError('interpolate: give exactly one of size and scaleFactor');
  if (size !== undefined) {
    const s: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
    if (s.some((v) => !Number.isInteger(v) || v < 1))
      throw new OptionError(`interpolate: size must be positive integers, got ${JSON.stringify(size)}`);
    return { size: s, factors: [undefined, undefined] };
  }
  const f: [number, number] =
    typeof scaleFactor === 'number' ? [scaleFactor, scaleFactor] : [scaleFactor![0], scaleFactor![1]];
  if (f.some((v) => !(v > 0)))
    throw new OptionError(`interpolate: scaleFactor must be positive, got ${JSON.stringify(scaleFactor)}`);
  const s: [number, number] = [Math.floor(x.shape[2] * f[0]), Math.floor(x.shape[3] * f[1])];
  if (s.some((v) => v < 1))
    throw new ShapeError(
      `interpolate: scaleFactor ${JSON.stringify(scaleFactor)} gives an empty output for input ${formatShape(x.shape)}`,
    );
  return { size: s, factors: f };
}

/**
 * Resizes the spatial dims of `[N, C, H, W]` (or `[C, H, W]`) images, like
 * `torch.nn.functional.interpolate` with mode 'nearest' (default) or 'bilinear'.
 * @example
 * interpolate(randn([1, 3, 8, 8]), { scaleFactor: 2 }).shape; // [1, 3, 16, 16]
 * interpolate(randn([1, 3, 8, 8]), { size: [5, 12], mode: 'bilinear' }).shape; // [1, 3, 5, 12]
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  checkOptions('interpolate', options, { size: true, scaleFactor: true, mode: true, alignCorners: true });
  if (x.ndim === 3) return squeeze(interpolate(unsqueeze(x, 0), options), 0);
  if (x.ndim !== 4)
    throw new ShapeError(
      `interpolate: expected input of shape [N, C, H, W] (or unbatched [C, H, W]), got ${formatShape(x.shape)}`,
    );
  const mode = options.mode ?? 'nearest';
  if (mode === 'nearest' && options.alignCorners !== undefined)
    throw new OptionError("interpolate: alignCorners only has an effect with mode 'bilinear'");
  const {
    size: [oh, ow],
    factors: [fh, fw],
  } = outputSize(x, options);
  if (mode === 'nearest') {
    const rows = indexSelect(x, 2, nearestIndex(x.shape[2], oh, fh));
    return indexSelect(rows, 3, nearestIndex(x.shape[3], ow, fw));
  }
  if (mode !== 'bilinear')
    throw new OptionError(`interpolate: mode '${String(mode)}' is not supported ('nearest' or 'bilinear')`);
  const align = options.alignCorners ?? false;
  return linearAlong(linearAlong(x, 2, oh, fh, align), 3, ow, fw, align);
}
