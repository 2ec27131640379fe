import { DTypeError, OptionError, ShapeError } from '../../tensor/errors.js';
import { allocate, type FloatArray } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';

/** Decoded pixels: `channels` bytes per pixel (1 grey, 3 RGB, 4 RGBA), rows top to bottom (HWC). */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** An image tensor [C, H, W] or a batch [N, C, H, W], read as contiguous floats. */
export interface ImageView {
  data: FloatArray;
  batch: number;
  channels: number;
  height: number;
  width: number;
  dtype: 'float32' | 'float64';
  batched: boolean;
}

/** Checks `t` is a floating [C, H, W] or [N, C, H, W] tensor and reads its values. */
export function viewImage(t: Tensor, op: string): ImageView {
  if (t.ndim !== 3 && t.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected an image [C, H, W] or a batch [N, C, H, W], got shape [${t.shape.join(', ')}]`,
    );
  }
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(`${op}: expected a float32 or float64 image (use toTensor on bytes), got ${t.dtype}`);
  }
  const batched = t.ndim === 4;
  const [batch, channels, height, width] = batched ? t.shape : [1, ...t.shape];
  const c = t.contiguous();
  const data = c.storage.data.subarray(c.offset, c.offset + c.numel()) as FloatArray;
  return { data, batch, channels, height, width, dtype: t.dtype, batched };
}

/** A new image tensor of the view's batch layout with the given plane size. */
export function makeImage(
  like: ImageView,
  channels: number,
  height: number,
  width: number,
): { data: FloatArray; tensor: Tensor } {
  const data = allocate(like.dtype, like.batch * channels * height * width) as FloatArray;
  const shape = like.batched ? [like.batch, channels, height, width] : [channels, height, width];
  return { data, tensor: Tensor.fromData(data, shape) };
}

/**
 * Pixels (a decoded image) to a float32 tensor [C, H, W] scaled to [0, 1], like torchvision's
 * `ToTensor`. Alpha is kept when present; convert to grey or RGB first to drop it.
 * @example
 * const x = toTensor({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) }); // [[[0, 1]]]
 */
export function toTensor(image: RawImage): Tensor {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw new OptionError(
      `toTensor: ${width}x${height}x${channels} image needs ${width * height * channels} bytes, got ${data.length}`,
    );
  }
  const plane = width * height;
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) out[c * plane + p] = data[p * channels + c] / 255;
  }
  return Tensor.fromData(out, [channels, height, width]);
}

/**
 * Converts pixels to 1 (grey) or 3 (RGB) channels. Grey uses PIL's `convert('L')` integer
 * formula (ITU-R 601-2 luma); alpha is dropped, not composited, as PIL does.
 * @example
 * convertImage(rgba, 1).channels; // 1
 */
export function convertImage(image: RawImage, channels: 1 | 3): RawImage {
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const src = image.data;
  const k = image.channels;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    if (k === 1) {
      out.fill(src[p], p * channels, p * channels + channels);
    } else if (channels === 1) {
      out[p] = (src[p * k] * 19595 + src[p * k + 1] * 38470 + src[p * k + 2] * 7471 + 0x8000) >>> 16;
    } else {
      out[p * 3] = src[p * k];
      out[p * 3 + 1] = src[p * k + 1];
      out[p * 3 + 2] = src[p * k + 2];
    }
  }
  return { width: image.width, height: image.height, channels, data: out };
}
