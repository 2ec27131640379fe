import { OptionError, ShapeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { getBackend } from '../../backend/index.js';
import type { ChannelNorm } from '../../backend/kernels.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cropView, flipView, padView, resizeView, type PaddingMode } from './geometry.js';
import { makeImage, viewImage } from './raw-image.js';

/** A function from an image tensor ([C, H, W] or a batch [N, C, H, W]) to another. */
export type Transform = (image: Tensor) => Tensor;

/** An output size: one number for a square (or, for `resize`, the shorter edge), or [h, w]. */
export type Size = number | readonly [number, number];

function checkSize(size: Size, op: string): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) {
    throw new OptionError(`${op}: size must be positive integers, got ${JSON.stringify(size)}`);
  }
  return [h, w];
}

/** Python's round(): halves go to the even neighbour (torchvision's centre crop relies on it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Chains transforms left to right, like torchvision's `Compose`.
 * @example
 * const t = compose(randomHorizontalFlip(), normalize([0.286], [0.353]));
 */
export function compose(...transforms: Transform[]): Transform {
  return (image) => transforms.reduce((x, f) => f(x), image);
}

/**
 * `(x - mean[c]) / std[c]` per channel, like torchvision's `Normalize`.
 * @example
 * normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])(rgb); // maps [0, 1] to [-1, 1]
 */
export function normalize(mean: readonly number[], std: readonly number[]): Transform {
  if (mean.length !== std.length)
    throw new ShapeError(`normalize: mean has ${mean.length} values but std has ${std.length}`);
  if (std.some((s) => s === 0)) throw new OptionError(`normalize: std must not contain 0, got [${std.join(', ')}]`);
  const fn: Transform = (image) => {
    const v = viewImage(image, 'normalize');
    const norm = perChannel(mean, std, v.channels);
    if (!norm) {
      throw new ShapeError(
        `normalize: ${mean.length} means for an image with ${v.channels} channels (shape [${image.shape.join(', ')}])`,
      );
    }
    const out = makeImage(v, v.channels, v.height, v.width);
    getBackend().data.normalize(v.data, out.data, norm, v.height * v.width);
    return out.tensor;
  };
  normalizations.set(fn, { mean: [...mean], std: [...std] });
  return fn;
}

/** The statistics of each transform made by `normalize`, so data sets can fuse it into gathering. */
const normalizations = new WeakMap<Transform, { mean: number[]; std: number[] }>();

/** One mean and std per channel (a single value serves every channel); null when the counts differ. */
function perChannel(mean: readonly number[], std: readonly number[], channels: number): ChannelNorm | null {
  if (mean.length !== channels && mean.length !== 1) return null;
  return {
    mean: Float64Array.from({ length: channels }, (_, c) => mean[mean.length === 1 ? 0 : c]),
    std: Float64Array.from({ length: channels }, (_, c) => std[std.length === 1 ? 0 : c]),
  };
}

/**
 * The per-channel statistics of `t` when it is a transform made by `normalize` that fits images
 * of `channels` channels, else null (image data sets use it to normalise while gathering).
 * @example
 * channelNormalization(normalize([0.5], [0.25]), 3)?.mean.length; // 3
 */
export function channelNormalization(t: Transform, channels: number): ChannelNorm | null {
  const n = normalizations.get(t);
  return n ? perChannel(n.mean, n.std, channels) : null;
}

/**
 * Bilinear resize (half-pixel centres, no antialiasing: `F.interpolate(mode='bilinear',
 * align_corners=False)`). A number resizes the shorter edge and keeps the aspect ratio, like
 * torchvision's `Resize`.
 * @example
 * resize([32, 32])(image).shape; // [C, 32, 32]
 */
export function resize(size: Size): Transform {
  checkSize(size, 'resize');
  return (image) => {
    const v = viewImage(image, 'resize');
    let h: number;
    let w: number;
    if (typeof size === 'number') {
      const long = Math.floor((size * Math.max(v.height, v.width)) / Math.min(v.height, v.width));
      [h, w] = v.height <= v.width ? [size, long] : [long, size];
    } else {
      [h, w] = size;
    }
    return h === v.height && w === v.width ? image : resizeView(v, h, w);
  };
}

/**
 * Crops the centre, padding with zeros first when the crop is larger than the image, like
 * torchvision's `CenterCrop`.
 * @example
 * centerCrop(24)(image).shape; // [C, 24, 24]
 */
export function centerCrop(size: Size): Transform {
  const [th, tw] = checkSize(size, 'centerCrop');
  return (image) => {
    let v = viewImage(image, 'centerCrop');
    if (th > v.height || tw > v.width) {
      const dh = Math.max(th - v.height, 0);
      const dw = Math.max(tw - v.width, 0);
      const padded = padView(v, [dw >> 1, dh >> 1, (dw + 1) >> 1, (dh + 1) >> 1], 'constant', 0);
      v = viewImage(padded, 'centerCrop');
    }
    const top = roundHalfEven((v.height - th) / 2);
    const left = roundHalfEven((v.width - tw) / 2);
    return cropView(v, new Array<number>(v.batch).fill(top), new Array<number>(v.batch).fill(left), th, tw);
  };
}

/** Options of `randomCrop`, as torchvision's `RandomCrop`. */
export interface RandomCropOptions {
  /** Border added first: all sides, [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | readonly number[];
  /** Pads further when the image is smaller than the crop. */
  padIfNeeded?: boolean;
  fill?: number;
  paddingMode?: PaddingMode;
  generator?: Generator;
}

function paddingLtrb(padding: number | readonly number[]): number[] {
  const p = typeof padding === 'number' ? [padding] : [...padding];
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  if (p.length === 4) return p;
  throw new ShapeError(`randomCrop: padding must have 1, 2 or 4 values, got [${p.join(', ')}]`);
}

/**
 * Pads, then crops a random window. A batch [N, C, H, W] gets an independent window per image
 * (torchvision would use one window for the whole batch).
 * @example
 * const augment = randomCrop(28, { padding: 4 }); // the classic "pad 4, crop back" augmentation
 */
export function randomCrop(size: Size, options: RandomCropOptions = {}): Transform {
  checkOptions('randomCrop', options, {
    padding: true,
    padIfNeeded: true,
    fill: true,
    paddingMode: true,
    generator: true,
  });
  const [th, tw] = checkSize(size, 'randomCrop');
  const ltrb = paddingLtrb(options.padding ?? 0);
  const mode = options.paddingMode ?? 'constant';
  const fill = options.fill ?? 0;
  return (image) => {
    const g = options.generator ?? defaultGenerator;
    let v = viewImage(image, 'randomCrop');
    const pad = [...ltrb];
    if (options.padIfNeeded) {
      const dw = tw - (v.width + pad[0] + pad[2]);
      const dh = th - (v.height + pad[1] + pad[3]);
      if (dw > 0) [pad[0], pad[2]] = [pad[0] + dw, pad[2] + dw];
      if (dh > 0) [pad[1], pad[3]] = [pad[1] + dh, pad[3] + dh];
    }
    if (pad.some((p) => p > 0)) v = viewImage(padView(v, pad, mode, fill), 'randomCrop');
    if (th > v.height || tw > v.width) {
      throw new ShapeError(`randomCrop: crop ${th}x${tw} is larger than the (padded) image ${v.height}x${v.width}`);
    }
    const tops = Array.from({ length: v.batch }, () => g.integer(0, v.height - th + 1));
    const lefts = Array.from({ length: v.batch }, () => g.integer(0, v.width - tw + 1));
    return cropView(v, tops, lefts, th, tw);
  };
}

/**
 * Mirrors left-right with probability `p`; a batch draws once per image.
 * @example
 * const augment = randomHorizontalFlip(0.5);
 */
export function randomHorizontalFlip(p = 0.5, options: { generator?: Generator } = {}): Transform {
  checkOptions('randomHorizontalFlip', options, { generator: true });
  if (!(p >= 0 && p <= 1)) throw new OptionError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return (image) => {
    const g = options.generator ?? defaultGenerator;
    const v = viewImage(image, 'randomHorizontalFlip');
    const flips = Array.from({ length: v.batch }, () => g.random() < p);
    return flips.some((f) => f) ? flipView(v, flips) : image;
  };
}

export { toTensor, convertImage } from './raw-image.js';
export type { PaddingMode } from './geometry.js';
