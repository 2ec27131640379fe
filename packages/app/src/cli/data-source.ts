/** Resolves the CLI's `--data` argument into data sets: built-in names, CSV, IDX folders, ImageFolder. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv, Tensor, TensorDataset, type Dataset } from 'nabla';
import { ImageFolder, loadFashionMnist, loadMnist } from 'nabla/node';
import { BUILTIN_CSV, BUILTIN_DATA } from './defaults.js';
import { checkFitsInMemory, MAX_TENSOR_ELEMENTS } from './memory-budget.js';
import { fitStandardize, standardize, type Preprocessing } from './preprocess.js';

/** Where the repository's bundled data sets live (two folders up from src/cli or dist/cli). */
export const DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');

/** What the CLI trains and evaluates on. */
export interface DataSource {
  name: string;
  /** The samples to train (and validate) on; `test` is an official held-out split when the data has one. */
  train: Dataset;
  test: Dataset | null;
  classes: string[];
  /** One sample's shape, e.g. [4] or [1, 28, 28]. */
  inputShape: number[];
  /** For tabular data the statistics are still empty here: `prepareTabular` fits them on training rows. */
  preprocessing: Preprocessing;
  /** Raw (unstandardised) features and labels of tabular data. */
  tabular: { features: Tensor; target: Tensor } | null;
  /** The class index of each sample of `train`. */
  labels: Int32Array;
}

export interface DataOptions {
  target?: string;
  /** Preprocessing saved with a model: fixes the class order and standardisation of CSV data. */
  preprocessing?: Preprocessing;
  /** Image size for ImageFolder data ([height, width]). */
  imageSize?: [number, number];
  /** Read image folders as RGB instead of grey. */
  rgb?: boolean;
}

export { BUILTIN_DATA } from './defaults.js';

/**
 * Loads `--data`: a built-in name, a `.csv` file, a folder of MNIST-format IDX files, or an
 * ImageFolder (one sub-folder per class).
 */
export function loadData(spec: string, options: DataOptions = {}): DataSource {
  const builtin = BUILTIN_CSV[spec];
  if (builtin)
    return loadCsv(join(DATA_DIR, builtin.file), spec, { ...options, target: options.target ?? builtin.target }, true);
  if (spec === 'fashion-mnist')
    return imageSource('fashion-mnist', loadFashionMnist(), loadFashionMnist({ train: false }));
  if (!existsSync(spec)) {
    throw new Error(
      `--data '${spec}': no such file or folder, and not a built-in data set (${BUILTIN_DATA.join(', ')})`,
    );
  }
  if (statSync(spec).isFile()) {
    if (!spec.toLowerCase().endsWith('.csv'))
      throw new Error(`--data '${spec}': expected a .csv file, an IDX folder or an image folder`);
    return loadCsv(spec, spec, options, false);
  }
  const files = readdirSync(spec);
  if (files.some((f) => /-idx\d-ubyte(\.gz)?$/.test(f))) {
    const test = files.some((f) => f.startsWith('t10k-images')) ? loadMnist(spec, { train: false }) : null;
    return imageSource(spec, loadMnist(spec), test);
  }
  const pre = options.preprocessing;
  const size = options.imageSize ?? (pre?.kind === 'image' ? ([pre.height, pre.width] as [number, number]) : undefined);
  const rgb = pre?.kind === 'image' ? pre.channels === 3 : options.rgb === true;
  if (size) checkImageSize(spec, size, rgb ? 3 : 1);
  const folder = ImageFolder.load(spec, { size, mode: rgb ? 'rgb' : 'grey' });
  return imageSource(spec, folder, null);
}

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/**
 * Image folders are decoded whole into memory: a size whose images cannot be held (or whose one
 * image is beyond a tensor) is refused before decoding, naming `--image-size`.
 */
function checkImageSize(root: string, [h, w]: [number, number], channels: number): void {
  const what = `--image-size ${h === w ? h : `${h}x${w}`}`;
  const values = channels * h * w;
  if (values > MAX_TENSOR_ELEMENTS)
    throw new Error(
      `${what} is too large: one ${channels}x${h}x${w} image has ${values.toLocaleString('en')} values, more than one tensor can hold (${MAX_TENSOR_ELEMENTS.toLocaleString('en')})`,
    );
  let images = 0;
  for (const entry of readdirSync(root, { withFileTypes: true }))
    if (entry.isDirectory()) images += readdirSync(join(root, entry.name)).filter((f) => IMAGE_FILE.test(f)).length;
  // One byte per value kept for every image, plus one image in float32 on its way through the resize.
  checkFitsInMemory(what, images * values + 8 * values, `${images} images of ${channels}x${h}x${w}`);
}

function imageSource(
  name: string,
  train: Dataset & { classes: readonly string[]; imageShape: readonly number[]; labels: Int32Array },
  test: Dataset | null,
): DataSource {
  const [c, h, w] = train.imageShape;
  const preprocessing: Preprocessing = { kind: 'image', channels: c, height: h, width: w };
  return {
    name,
    train,
    test,
    classes: [...train.classes],
    inputShape: [c, h, w],
    preprocessing,
    tabular: null,
    labels: train.labels,
  };
}

/** A CSV table: numeric features and a categorical target (class order fixed by saved preprocessing). */
function loadCsv(path: string, name: string, options: DataOptions, builtin: boolean): DataSource {
  const pre = options.preprocessing?.kind === 'standardize' ? options.preprocessing : undefined;
  const csv = parseCsv(readFileSync(path, 'utf8'), {
    target: options.target ?? pre?.target,
    columns: pre?.columns,
    targetType: 'categorical',
    classNames: pre?.classes,
    source: path,
  });
  if (!csv.target || !csv.classNames || !csv.targetName)
    throw new Error(`${path}: needs a target column (--target NAME)`);
  const preprocessing: Preprocessing = pre ?? {
    kind: 'standardize',
    columns: csv.featureNames,
    target: csv.targetName,
    classes: csv.classNames,
    mean: [],
    std: [],
  };
  const features = pre ? standardize(csv.features, pre) : csv.features;
  return {
    name: builtin ? name : path,
    train: new TensorDataset(features, csv.target),
    test: null,
    classes: csv.classNames,
    inputShape: [csv.featureNames.length],
    preprocessing,
    tabular: { features: csv.features, target: csv.target },
    labels: csv.target.toTypedArray() as Int32Array,
  };
}

/**
 * Standardises tabular data with statistics of the training rows only (no leak from validation
 * or test rows) and stores them in the source's preprocessing. Images pass through unchanged.
 */
export function prepareTabular(src: DataSource, trainIndices: Int32Array): DataSource {
  if (!src.tabular || src.preprocessing.kind !== 'standardize') return src;
  const { mean, std } = fitStandardize(
    src.tabular.features.indexSelect(0, Tensor.fromData(trainIndices, [trainIndices.length])),
  );
  const preprocessing: Preprocessing = { ...src.preprocessing, mean, std };
  return {
    ...src,
    preprocessing,
    train: new TensorDataset(standardize(src.tabular.features, preprocessing), src.tabular.target),
  };
}
