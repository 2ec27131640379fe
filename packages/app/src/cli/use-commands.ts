/** `nabla eval`, `nabla predict`, `nabla info`: using a trained model directory. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { io, noGrad, parseCsv, stack, type Tensor } from 'nabla';
import { backendInfo, loadModel, writeFileAtomic, type BackendInfo } from 'nabla/node';
import type { TrainConfig } from './checkpoint.js';
import { loadData } from './data-source.js';
import { parameterCount } from './models.js';
import { checkPreprocessing, imageToInput, standardize, type Preprocessing } from './preprocess.js';
import { evaluate, splitIndices, subset } from './trainer.js';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/**
 * Opens a model directory for use (eval, predict, serve): the library's `loadModel` checks the
 * weights against model.json's hash, refuses NaN/Infinity weights and checks `inputShape` and
 * `classes` against the architecture; this adds the check of `preprocessing` against them. Every
 * failure names the file and field, so a damaged directory fails here, at start, not per request.
 * @example
 * const m = openModel('runs/iris'); // m.pre: the input preprocessing
 */
export function openModel(dir: string): io.LoadedModel & { pre: Preprocessing } {
  const loaded = loadModel(dir);
  const pre = checkPreprocessing(loaded.info.preprocessing, loaded.info, join(dir, 'model.json'));
  return { ...loaded, pre };
}

export interface EvalResult {
  data: string;
  samples: number;
  loss: number;
  accuracy: number;
  perClass: Record<string, number>;
  classes: string[];
  /** `confusion[t][p]`: samples of true class t predicted as p. */
  confusion: number[][];
}

/**
 * Accuracy and loss of a model directory. Without `data`, on the held-out test split of the
 * data it was trained on (recomputed from the saved seed); with `data`, on that data's official
 * test split if it has one, else on all of it.
 */
export function evalModel(dir: string, data?: string): EvalResult {
  const m = openModel(dir);
  const config = m.metadata.config as TrainConfig | undefined;
  const name = data ?? config?.data;
  if (!name) throw new Error(`${dir}: no --data given and training.json names no data set`);
  const src = loadData(name, { preprocessing: m.pre, target: data ? undefined : config?.target });
  let ds = src.test ?? src.train;
  if (!data && config && !src.test) {
    // The same split as training: over the first `limit` samples when the run was limited.
    const n = Math.min(src.train.length, config.limit ?? Infinity);
    ds = subset(src.train, splitIndices(n, config.valSplit, config.testSplit, config.seed).test);
  }
  const r = evaluate(m.model, ds);
  const classes = m.info.classes ?? src.classes;
  // confusion[true][predicted], like scikit-learn's confusion_matrix.
  const confusion = classes.map(() => new Array<number>(classes.length).fill(0));
  const labels = noGrad(() => Array.from({ length: ds.length }, (_, i) => ds.getItem(i)[1].item()));
  labels.forEach((y, i) => confusion[y][r.predictions[i]]++);
  const perClass = Object.fromEntries(
    classes.map((c, i) => {
      const total = confusion[i].reduce((a, b) => a + b, 0);
      return [c, total ? confusion[i][i] / total : Number.NaN];
    }),
  );
  return { data: name, samples: ds.length, loss: r.loss, accuracy: r.accuracy, perClass, classes, confusion };
}

export interface Prediction {
  input: string;
  class: string;
  index: number;
  probability: number;
  /** Probability by class name (in class order when the names look like numbers: JS orders such keys). */
  probabilities: Record<string, number>;
  /** Every class with its probability, highest first. */
  ranking: { class: string; probability: number }[];
}

/** Softmax probabilities of a batch [N, ...inputShape] as predictions, highest first. */
export function predictBatch(m: io.LoadedModel, x: Tensor, names: string[]): Prediction[] {
  const classes = m.info.classes ?? [];
  const probs = noGrad(() => m.model.forward(x).softmax(1));
  const rows = probs.toArray() as number[][];
  return rows.map((p, i) => {
    const order = p.map((v, k) => [v, k] as const).sort((a, b) => b[0] - a[0]);
    const [probability, index] = order[0];
    const ranking = order.map(([v, k]) => ({ class: classes[k] ?? String(k), probability: v }));
    const probabilities = Object.fromEntries(ranking.map((r) => [r.class, r.probability]));
    return { input: names[i], class: ranking[0].class, index, probability, probabilities, ranking };
  });
}

/** Model inputs from an image file, a folder of images, or a CSV of feature rows. */
export function readInputs(path: string, pre: Preprocessing): { x: Tensor; names: string[] } {
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path)
      .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
      .sort();
    if (files.length === 0) throw new Error(`${path}: no .png/.jpg/.jpeg images in this folder`);
    return {
      x: stack(files.map((f) => imageToInput(new Uint8Array(readFileSync(join(path, f))), pre, join(path, f)))),
      names: files,
    };
  }
  if (extname(path).toLowerCase() === '.csv') {
    if (pre.kind !== 'standardize') throw new Error(`${path}: this model takes images, not CSV rows`);
    const csv = parseCsv(readFileSync(path, 'utf8'), { target: null, columns: pre.columns, source: path });
    const names = Array.from({ length: csv.features.shape[0] }, (_, i) => `${basename(path)}:${i + 2}`);
    return { x: standardize(csv.features, pre), names };
  }
  return { x: stack([imageToInput(new Uint8Array(readFileSync(path)), pre, path)]), names: [basename(path)] };
}

/** Writes `dir/model.onnx` (or `out`) atomically; returns its path. */
export function exportModel(dir: string, out = join(dir, 'model.onnx')): string {
  const m = loadModel(dir);
  if (!m.info.inputShape) throw new Error(`${dir}/model.json has no inputShape; ONNX export needs the input shape`);
  writeFileAtomic(
    out,
    io.exportOnnx(m.model, {
      inputShape: m.info.inputShape,
      outputShape: m.info.classes ? [m.info.classes.length] : undefined,
      outputName: 'logits',
    }),
  );
  return out;
}

/** Architecture, size and provenance of a model directory. */
export function modelInfo(dir: string): Record<string, unknown> {
  const m = loadModel(dir);
  return {
    directory: dir,
    architecture: m.spec,
    summary: m.model.toString(),
    parameters: parameterCount(m.model),
    inputShape: m.info.inputShape,
    classes: m.info.classes,
    preprocessing: (m.info.preprocessing as Preprocessing | undefined)?.kind,
    epochs: m.metadata.epochs,
    testAccuracy: m.metadata.testAccuracy,
    trainedOn: (m.metadata.config as TrainConfig | undefined)?.data,
  };
}

/** The backend `nabla/node` chose for this process, with a one-line summary for `nabla info`. */
export function runtimeInfo(): BackendInfo & { summary: string } {
  const info = backendInfo();
  const blas = info.blas
    ? `, ${info.blas.library} (${info.blas.corename ?? 'kernel unknown'}, ${info.blas.threads ?? '?'} BLAS threads)`
    : '';
  const why = info.nativeUnavailable ? ` (native unavailable: ${info.nativeUnavailable})` : '';
  const kernels =
    info.backend !== 'native' || !info.kernels
      ? ''
      : 'vectorBits' in info.kernels
        ? `, nabla's compiled kernels (${info.kernels.vectorBits}-bit vectors)`
        : `, no compiled kernels (${info.kernels.unavailable})`;
  return {
    ...info,
    summary: `backend: ${info.backend}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${blas}${kernels}${why}`,
  };
}
