import { IndexError, ShapeError } from '../../tensor/errors.js';
import { getBackend } from '../../backend/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Dataset } from '../dataset.js';
import { channelNormalization } from './transforms.js';

/**
 * A transform applied by the image data sets: to one image [C, H, W] in `getItem`, to a whole
 * batch [N, C, H, W] in `getBatch`. The built-in transforms accept both (random ones draw per image).
 */
export type ImageTransform = (image: Tensor) => Tensor;

/**
 * Images kept as bytes [N, C, H, W] with int32 labels. Samples are float32 in [0, 1], made on
 * demand, so a `DataLoader` pass converts only the batch it serves and never copies the set.
 * @example
 * const ds = new ByteImageDataset(bytes, [1, 28, 28], labels);
 * const [x, y] = ds.getItem(0); // float32 [1, 28, 28], int32 []
 */
export class ByteImageDataset implements Dataset {
  transform: ImageTransform | null;
  readonly imageShape: readonly [number, number, number];

  constructor(
    /** N·C·H·W bytes, row-major. */
    readonly pixels: Uint8Array,
    imageShape: readonly [number, number, number],
    /** One class index per image. */
    readonly labels: Int32Array,
    transform: ImageTransform | null = null,
  ) {
    const per = imageShape[0] * imageShape[1] * imageShape[2];
    if (pixels.length !== per * labels.length) {
      throw new ShapeError(
        `ByteImageDataset: ${labels.length} labels need ${per * labels.length} bytes of [${imageShape.join(', ')}] images, got ${pixels.length}`,
      );
    }
    this.imageShape = imageShape;
    this.transform = transform;
  }

  get length(): number {
    return this.labels.length;
  }

  private checkIndex(index: number, op: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new IndexError(`${op}: index ${index} is out of range for ${this.length} images`);
    }
  }

  /** Image `index` as float32 [C, H, W] in [0, 1] (then `transform`), and its label (int32, 0-d). */
  getItem(index: number): Tensor[] {
    this.checkIndex(index, `${this.constructor.name}.getItem`);
    const [image] = this.gather(Int32Array.of(index), false);
    return [image, Tensor.fromData(Int32Array.of(this.labels[index]), [])];
  }

  /** The images at `indices` as float32 [B, C, H, W] (then `transform`) and labels int32 [B]. */
  getBatch(indices: Int32Array): Tensor[] {
    for (const i of indices) this.checkIndex(i, `${this.constructor.name}.getBatch`);
    const [images] = this.gather(indices, true);
    const labels = new Int32Array(indices.length);
    getBackend().indexSelect(this.labels, indices, labels, 1, this.length, 1);
    return [images, Tensor.fromData(labels, [indices.length])];
  }

  private gather(indices: Int32Array, batched: boolean): [Tensor] {
    const [channels, height, width] = this.imageShape;
    const per = channels * height * width;
    const out = new Float32Array(per * indices.length);
    // A bare normalize is fused into the gathering: one pass, the same bits as applying it after.
    const norm = this.transform ? channelNormalization(this.transform, channels) : null;
    getBackend().data.gatherBytes(this.pixels, indices, per, out, 255, norm, height * width);
    const shape = batched ? [indices.length, ...this.imageShape] : this.imageShape;
    const images = Tensor.fromData(out, shape);
    return [this.transform && !norm ? this.transform(images) : images];
  }

  /** Every byte scaled to [0, 1], as one float32 row. */
  private scaledPixels(): Float32Array {
    const out = new Float32Array(this.pixels.length);
    getBackend().data.gatherBytes(this.pixels, Int32Array.of(0), out.length, out, 255, null, Math.max(1, out.length));
    return out;
  }

  /** All images float32 [N, C, H, W] in [0, 1] and labels int32 [N], without `transform`. */
  tensors(): { images: Tensor; labels: Tensor } {
    return {
      images: Tensor.fromData(this.scaledPixels(), [this.length, ...this.imageShape]),
      labels: Tensor.fromData(this.labels.slice(), [this.length]),
    };
  }
}
