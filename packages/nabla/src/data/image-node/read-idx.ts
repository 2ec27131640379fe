import { FormatError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isGzip, parseIdx, type IdxArray } from '../image/idx.js';
import type { ImageTransform } from '../image/byte-image-dataset.js';
import { FASHION_MNIST_CLASSES, MnistDataset } from '../image/mnist.js';

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const INSTALL_HINT = 'run scripts/install-fashion-mnist.sh (it installs the Debian package dataset-fashion-mnist)';

/**
 * Reads an IDX file, gunzipping it when it is compressed (by content, not by name). Errors
 * name the file: missing, corrupt gzip, truncated data, bad header. A large gzipped file is
 * gunzipped once: its decompressed bytes are kept in `$XDG_CACHE_HOME/nabla/idx` (else
 * `~/.cache/nabla/idx`), keyed by path, size and modification time, and later reads load them
 * from there (Fashion-MNIST's training images: 47 MB, gunzipping took a few percent of a
 * training run). Set `NABLA_IDX_CACHE=0` to turn the cache off.
 * @example
 * const labels = readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array = readFileSync(path);
  if (isGzip(bytes)) {
    const cached = cacheFile(path);
    const hit = cached && readCached(cached, bytes);
    if (hit) return parseIdx(hit, path);
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new FormatError(`${path}: corrupt or truncated gzip data (${(err as Error).message})`, { cause: err });
    }
    if (cached && bytes.length >= CACHE_MIN_BYTES) writeCached(cached, bytes);
  }
  return parseIdx(bytes, path);
}

/** Files smaller than this are gunzipped every time (it takes milliseconds). */
const CACHE_MIN_BYTES = 1 << 20;

/** The cache file of `path`'s decompressed bytes, or null when caching is off or the file cannot be stat'ed. */
function cacheFile(path: string): string | null {
  if (process.env.NABLA_IDX_CACHE === '0') return null;
  try {
    const st = statSync(path);
    const key = createHash('sha256')
      .update(`${resolve(path)}\0${st.size}\0${st.mtimeMs}`)
      .digest('hex')
      .slice(0, 32);
    return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nabla', 'idx', `${key}.idx`);
  } catch {
    return null;
  }
}

/** The cached bytes when present and as long as the gzip trailer of `gz` says (its size mod 2³²). */
function readCached(file: string, gz: Uint8Array): Uint8Array | null {
  try {
    const bytes = readFileSync(file);
    const size = new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4).getUint32(0, true);
    return bytes.length % 2 ** 32 === size ? bytes : null;
  } catch {
    return null;
  }
}

/** Writes the cache entry atomically (a partly written file is never seen); failures only cost the cache. */
function writeCached(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Finds `<name>.gz` or `<name>` in `root`, or throws naming what was looked for. */
function findIdx(root: string, name: string, hint: string): string {
  for (const candidate of [`${name}.gz`, name]) {
    const path = join(root, candidate);
    if (existsSync(path)) return path;
  }
  throw new FormatError(`MNIST-format file ${join(root, name)}(.gz) not found; ${hint}`);
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
export function loadMnist(
  root: string,
  options: MnistOptions & { classes?: readonly string[]; hint?: string } = {},
): MnistDataset {
  checkOptions('loadMnist', options, { train: true, root: true, transform: true, classes: true, hint: true });
  const prefix = options.train === false ? 't10k' : 'train';
  const hint =
    options.hint ??
    'expected the files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte';
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
  checkOptions('loadFashionMnist', options, { train: true, root: true, transform: true });
  return loadMnist(options.root ?? FASHION_MNIST_DIR, {
    ...options,
    classes: FASHION_MNIST_CLASSES,
    hint: INSTALL_HINT,
  });
}
