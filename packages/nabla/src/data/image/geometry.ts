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

/** Pads each plane by [left, top, right, bottom] pixels. */
export function padView(v: ImageView, ltrb: readonly number[], mode: PaddingMode, fill: number): Tensor {
  const [l, t, r, b] = ltrb;
  if (mode === 'reflect' && (Math.max(l, r) >= v.width || Math.max(t, b) >= v.height)) {
    throw new Error(`pad: reflect padding [${ltrb.join(', ')}] must be smaller than the image (${v.height}x${v.width})`);
  }
  const H = v.height + t + b;
  const W = v.width + l + r;
  const out = makeImage(v, v.channels, H, W);
  const rows = Int32Array.from({ length: H }, (_, y) => padIndex(y - t, v.height, mode));
  const cols = Int32Array.from({ length: W }, (_, x) => padIndex(x - l, v.width, mode));
  const planes = v.batch * v.channels;
  for (let p = 0; p < planes; p++) {
    const src = p * v.height * v.width;
    const dst = p * H * W;
    for (let y = 0; y < H; y++) {
      const sy = rows[y];
      for (let x = 0; x < W; x++) {
        const sx = cols[x];
        out.data[dst + y * W + x] = sy < 0 || sx < 0 ? fill : v.data[src + sy * v.width + sx];
      }
    }
  }
  return out.tensor;
}

/** Crops an [h, w] window at (tops[n], lefts[n]) out of each image n of the batch. */
export function cropView(v: ImageView, tops: readonly number[], lefts: readonly number[], h: number, w: number): Tensor {
  const out = makeImage(v, v.channels, h, w);
  for (let n = 0; n < v.batch; n++) {
    for (let c = 0; c < v.channels; c++) {
      const plane = n * v.channels + c;
      for (let y = 0; y < h; y++) {
        const src = (plane * v.height + tops[n] + y) * v.width + lefts[n];
        out.data.set(v.data.subarray(src, src + w), (plane * h + y) * w);
      }
    }
  }
  return out.tensor;
}

/** Source indices and weights of bilinear interpolation along one axis (half-pixel centres). */
function linearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(scale * (o + 0.5) - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = lo < inSize - 1 ? lo + 1 : lo;
    w1[o] = Math.min(Math.max(src - lo, 0), 1);
  }
  return { i0, i1, w1 };
}

/** Bilinear resize of every plane to [h, w], as `F.interpolate(mode='bilinear', align_corners=False)`. */
export function resizeView(v: ImageView, h: number, w: number): Tensor {
  const out = makeImage(v, v.channels, h, w);
  const ys = linearTaps(v.height, h);
  const xs = linearTaps(v.width, w);
  const planes = v.batch * v.channels;
  for (let p = 0; p < planes; p++) {
    const src = p * v.height * v.width;
    for (let y = 0; y < h; y++) {
      const r0 = src + ys.i0[y] * v.width;
      const r1 = src + ys.i1[y] * v.width;
      const wy = ys.w1[y];
      for (let x = 0; x < w; x++) {
        const a = xs.i0[x];
        const b = xs.i1[x];
        const wx = xs.w1[x];
        const top = v.data[r0 + a] * (1 - wx) + v.data[r0 + b] * wx;
        const bottom = v.data[r1 + a] * (1 - wx) + v.data[r1 + b] * wx;
        out.data[(p * h + y) * w + x] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out.tensor;
}

/** Reverses the columns of the images whose `flip[n]` is true. */
export function flipView(v: ImageView, flip: readonly boolean[]): Tensor {
  const out = makeImage(v, v.channels, v.height, v.width);
  const plane = v.height * v.width;
  for (let n = 0; n < v.batch; n++) {
    for (let c = 0; c < v.channels; c++) {
      const base = (n * v.channels + c) * plane;
      if (!flip[n]) {
        out.data.set(v.data.subarray(base, base + plane), base);
        continue;
      }
      for (let y = 0; y < v.height; y++) {
        const row = base + y * v.width;
        for (let x = 0; x < v.width; x++) out.data[row + x] = v.data[row + v.width - 1 - x];
      }
    }
  }
  return out.tensor;
}
