import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isGzip, parseIdx, type IdxArray } from '../image/idx.js';
import type { ImageTransform } from '../image/byte-image-dataset.js';
import { FASHION_MNIST_CLASSES, MnistDataset } from '../image/mnist.js';

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const INSTALL_HINT = 'run scripts/install-fashion-mnist.sh (it installs the Debian package dataset-fashion-mnist)';

/**
 * Reads an IDX file, gunzipping it when it is compressed (by content, not by name). Errors
 * name the file: missing, corrupt gzip, truncated data, bad header.
 * @example
 * const labels = readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array = readFileSync(path);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new Error(`${path}: corrupt or truncated gzip data (${(err as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}

/** Finds `<name>.gz` or `<name>` in `root`, or throws naming what was looked for. */
function findIdx(root: string, name: string, hint: string): string {
  for (const candidate of [`${name}.gz`, name]) {
    const path = join(root, candidate);
    if (existsSync(path)) return path;
  }
  throw new Error(`MNIST-format file ${join(root, name)}(.gz) not found; ${hint}`);
}

/** Options of `loadMnist` / `loadFashionMnist`. */
export interface MnistOptions {
  /** The training split (60 000 images) or, when false, the test split (10 000). Default true. */
  train?: boolean;
  /** Folder holding the four IDX files (gzipped or not). */
  root?: string;
  transform?: ImageTransform;
}

/**
 * Loads an MNIST-format split (`train-*` or `t10k-*` IDX files) from `root`.
 * @example
 * const test = loadMnist('/data/mnist', { train: false });
 */
export function loadMnist(root: string, options: MnistOptions & { classes?: readonly string[]; hint?: string } = {}): MnistDataset {
  const prefix = options.train === false ? 't10k' : 'train';
  const hint = options.hint ?? 'expected the files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte';
  const images = findIdx(root, `${prefix}-images-idx3-ubyte`, hint);
  const labels = findIdx(root, `${prefix}-labels-idx1-ubyte`, hint);
  return new MnistDataset(readIdx(images), readIdx(labels), {
    classes: options.classes,
    transform: options.transform,
    source: `${images} + ${labels}`,
  });
}

/**
 * Loads Fashion-MNIST (28x28 grey, 10 classes) from `/usr/share/datasets/fashion-mnist` or
 * `options.root`. When the files are missing the error says to run
 * `scripts/install-fashion-mnist.sh`.
 * @example
 * const train = loadFashionMnist();
 * const test = loadFashionMnist({ train: false });
 */
export function loadFashionMnist(options: MnistOptions = {}): MnistDataset {
  return loadMnist(options.root ?? FASHION_MNIST_DIR, { ...options, classes: FASHION_MNIST_CLASSES, hint: INSTALL_HINT });
}
