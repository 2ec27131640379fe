import { DTypeError, IndexError, ShapeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import type { IdxArray } from './idx.js';
import { ByteImageDataset, type ImageTransform } from './byte-image-dataset.js';

/** Class names of Fashion-MNIST, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Options of `MnistDataset`. */
export interface MnistDatasetOptions {
  /** Class names by label (default '0'..'9'). */
  classes?: readonly string[];
  transform?: ImageTransform;
  /** Names the files in error messages. */
  source?: string;
}

/**
 * An MNIST-format data set (MNIST, Fashion-MNIST, KMNIST) from parsed IDX arrays: uint8 images
 * [N, H, W] and labels [N]. Samples are float32 [1, H, W] in [0, 1] and int32 labels.
 * @example
 * const train = new MnistDataset(parseIdx(imageBytes), parseIdx(labelBytes), { classes: FASHION_MNIST_CLASSES });
 * const loader = new DataLoader(train, { batchSize: 128, shuffle: true });
 */
export class MnistDataset extends ByteImageDataset {
  readonly classes: readonly string[];

  constructor(images: IdxArray, labels: IdxArray, options: MnistDatasetOptions = {}) {
    checkOptions('MnistDataset', options, { classes: true, transform: true, source: true });
    const source = options.source ?? 'MnistDataset';
    if (images.dtype !== 'uint8' || images.shape.length !== 3) {
      throw new DTypeError(
        `${source}: images must be uint8 of shape [N, H, W], got ${images.dtype} [${images.shape.join(', ')}]`,
      );
    }
    if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
      throw new DTypeError(
        `${source}: labels must be uint8 of shape [N], got ${labels.dtype} [${labels.shape.join(', ')}]`,
      );
    }
    if (labels.shape[0] !== images.shape[0]) {
      throw new ShapeError(`${source}: ${images.shape[0]} images but ${labels.shape[0]} labels`);
    }
    super(
      images.data as Uint8Array,
      [1, images.shape[1], images.shape[2]],
      Int32Array.from(labels.data),
      options.transform ?? null,
    );
    this.classes = options.classes ?? Array.from({ length: 10 }, (_, i) => String(i));
    const bad = this.labels.findIndex((l) => l >= this.classes.length);
    if (bad >= 0)
      throw new IndexError(
        `${source}: label ${this.labels[bad]} at index ${bad} is not below the ${this.classes.length} classes`,
      );
  }
}
