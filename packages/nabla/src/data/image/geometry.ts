import { ShapeError } from '../../tensor/errors.js';
import { getBackend } from '../../backend/index.js';
import type { PlaneGeometry } from '../../backend/kernels.js';
import type { Tensor } from '../../tensor/tensor.js';
import { makeImage, type ImageView } from './raw-image.js';

/** How `pad` fills the border: a constant, the edge pixel repeated, or a mirror without the edge. */
export type PaddingMode = 'constant' | 'edge' | 'reflect';

/** Source index for output index `i` of a padded axis, or -1 for the constant fill. */
function padIndex(i: number, size: number, mode: PaddingMode): number {
  if (i >= 0 && i < size) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : size - 1;
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  let j = ((i % period) + period) % period;
  if (j >= size) j = period - j;
  return j;
}

/** The batch's plane sizes before and after a transform to [h, w]. */
function planes(v: ImageView, h: number, w: number): PlaneGeometry {
  return { batch: v.batch, channels: v.channels, inH: v.height, inW: v.width, outH: h, outW: w };
}

/** Runs the remap kernel: per image n, output row y reads row `row(n, y)` and column x reads `col(n, x)` (-1: fill). */
function remap(
  v: ImageView,
  h: number,
  w: number,
  row: (n: number, y: number) => number,
  col: (n: number, x: number) => number,
  fill = 0,
): Tensor {
  const out = makeImage(v, v.channels, h, w);
  const rows = Int32Array.from({ length: v.batch * h }, (_, k) => row(Math.floor(k / h), k % h));
  const cols = Int32Array.from({ length: v.batch * w }, (_, k) => col(Math.floor(k / w), k % w));
  getBackend().data.remapPlanes(v.data, out.data, planes(v, h, w), rows, cols, fill);
  return out.tensor;
}

/** Pads each plane by [left, top, right, bottom] pixels. */
export function padView(v: ImageView, ltrb: readonly number[], mode: PaddingMode, fill: number): Tensor {
  const [l, t, r, b] = ltrb;
  if (mode === 'reflect' && (Math.max(l, r) >= v.width || Math.max(t, b) >= v.height)) {
    throw new ShapeError(
      `pad: reflect padding [${ltrb.join(', ')}] must be smaller than the image (${v.height}x${v.width})`,
    );
  }
  return remap(
    v,
    v.height + t + b,
    v.width + l + r,
    (_, y) => padIndex(y - t, v.height, mode),
    (_, x) => padIndex(x - l, v.width, mode),
    fill,
  );
}

/** Crops an [h, w] window at (tops[n], lefts[n]) out of each image n of the batch. */
export function cropView(
  v: ImageView,
  tops: readonly number[],
  lefts: readonly number[],
  h: number,
  w: number,
): Tensor {
  return remap(
    v,
    h,
    w,
    (n, y) => tops[n] + y,
    (n, x) => lefts[n] + x,
  );
}

/** Bilinear resize of every plane to [h, w], as `F.interpolate(mode='bilinear', align_corners=False)`. */
export function resizeView(v: ImageView, h: number, w: number): Tensor {
  const out = makeImage(v, v.channels, h, w);
  getBackend().data.resizeBilinear(v.data, out.data, planes(v, h, w));
  return out.tensor;
}

/** Reverses the columns of the images whose `flip[n]` is true. */
export function flipView(v: ImageView, flip: readonly boolean[]): Tensor {
  return remap(
    v,
    v.height,
    v.width,
    (_, y) => y,
    (n, x) => (flip[n] ? v.width - 1 - x : x),
  );
}
