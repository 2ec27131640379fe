import { Tensor } from '../../tensor/tensor.js';
import type { IdxArray } from './idx.js';

/** Class names of Fashion-MNIST, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** A transform applied to each image tensor ([C, H, W], float32 in [0, 1]) by `getItem`. */
export type ImageTransform = (image: Tensor) => Tensor;

/**
 * An MNIST-format data set (MNIST, Fashion-MNIST, KMNIST): uint8 images [N, H, W] and labels [N]
 * kept as bytes; `getItem` converts one image at a time, so a loader never copies the whole set.
 * @example
 * const train = new MnistDataset(parseIdx(imageBytes), parseIdx(labelBytes), { classes: FASHION_MNIST_CLASSES });
 * const [x, y] = train.getItem(0); // x: float32 [1, 28, 28] in [0, 1], y: label number
 */
export class MnistDataset {
  /** Raw pixels, N·H·W bytes, row-major. */
  readonly pixels: Uint8Array;
  /** Labels, one byte each. */
  readonly targets: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly classes: readonly string[];
  transform: ImageTransform | null;

  constructor(images: IdxArray, labels: IdxArray, options: { classes?: readonly string[]; transform?: ImageTransform; source?: string } = {}) {
    const source = options.source ?? 'MnistDataset';
    if (images.dtype !== 'uint8' || images.shape.length !== 3) {
      throw new Error(`${source}: images must be uint8 of shape [N, H, W], got ${images.dtype} [${images.shape.join(', ')}]`);
    }
    if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
      throw new Error(`${source}: labels must be uint8 of shape [N], got ${labels.dtype} [${labels.shape.join(', ')}]`);
    }
    if (labels.shape[0] !== images.shape[0]) {
      throw new Error(`${source}: ${images.shape[0]} images but ${labels.shape[0]} labels`);
    }
    this.pixels = images.data as Uint8Array;
    this.targets = labels.data as Uint8Array;
    [, this.height, this.width] = images.shape;
    this.classes = options.classes ?? Array.from({ length: 10 }, (_, i) => String(i));
    this.transform = options.transform ?? null;
  }

  get length(): number {
    return this.targets.length;
  }

  /** Image `index` as float32 [1, H, W] in [0, 1] (then `transform`), and its label. */
  getItem(index: number): [Tensor, number] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`MnistDataset.getItem: index ${index} out of range for ${this.length} images`);
    }
    const size = this.height * this.width;
    const out = new Float32Array(size);
    const base = index * size;
    for (let i = 0; i < size; i++) out[i] = this.pixels[base + i] / 255;
    const image = Tensor.fromData(out, [1, this.height, this.width]);
    return [this.transform ? this.transform(image) : image, this.targets[index]];
  }

  /**
   * The whole set as two tensors, images float32 [N, 1, H, W] in [0, 1] and labels int32 [N]
   * (4 bytes per pixel: 188 MB for Fashion-MNIST's training set). `transform` is not applied.
   */
  tensors(): { images: Tensor; labels: Tensor } {
    const images = new Float32Array(this.pixels.length);
    for (let i = 0; i < images.length; i++) images[i] = this.pixels[i] / 255;
    return {
      images: Tensor.fromData(images, [this.length, 1, this.height, this.width]),
      labels: Tensor.fromData(Int32Array.from(this.targets), [this.length]),
    };
  }
}
