/**
 * `nabla export --pytorch` and `nabla import --pytorch`: a model directory to a runnable PyTorch
 * project (model.py, weights, train.py for DistributedDataParallel with the run's recipe) and
 * PyTorch's trained weights back into the model directory.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { io, stack, type optim } from 'nabla';
import { FASHION_MNIST_DIR, loadModel, saveModel, writeModelFiles } from 'nabla/node';
import type { TrainConfig } from './checkpoint.js';
import { BUILTIN_CSV } from './defaults.js';
import { DATA_DIR, loadData } from './data-source.js';
import type { Preprocessing } from './preprocess.js';
import { makeOptimizer, splitIndices } from './trainer.js';

const isIdxFolder = (dir: string): boolean => readdirSync(dir).some((f) => /-idx\d-ubyte(\.gz)?$/.test(f));

/** Where train.py reads the run's samples, preprocessed there as nabla does. */
function dataOf(config: TrainConfig, pre: Preprocessing): { data: io.PyTorchData; officialTest: boolean } {
  if (pre.kind === 'standardize') {
    const builtin = BUILTIN_CSV[config.data];
    const path = builtin ? join(DATA_DIR, builtin.file) : resolve(config.data);
    const data = { kind: 'csv', path, target: pre.target, columns: pre.columns, classes: pre.classes } as const;
    return { data: { ...data, mean: pre.mean, std: pre.std }, officialTest: false };
  }
  if (config.data === 'fashion-mnist') return { data: { kind: 'idx', dir: FASHION_MNIST_DIR }, officialTest: true };
  const dir = resolve(config.data);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`the run's data '${config.data}' is not a folder here; export on the machine that trained it`);
  if (isIdxFolder(dir))
    return {
      data: { kind: 'idx', dir },
      officialTest: readdirSync(dir).some((f) => f.startsWith('t10k-images')),
    };
  // An image folder: decoded and resized by nabla, so PyTorch trains on exactly nabla's pixels.
  const src = loadData(config.data, { preprocessing: pre });
  const items = Array.from({ length: src.train.length }, (_, i) => src.train.getItem(i));
  return {
    data: { kind: 'tensors', x: stack(items.map(([x]) => x)), y: stack(items.map(([, y]) => y)) },
    officialTest: false,
  };
}

/**
 * Writes a runnable PyTorch project for a model directory trained by `nabla train` into `out`:
 * model.py, weights.safetensors, safetensors_io.py, train.py + recipe.json (the run's data, split,
 * optimizer, batch size, epochs and seed) and a README. Returns the files written.
 */
export function exportPyTorch(dir: string, out: string): string[] {
  const m = loadModel(dir);
  const config = m.metadata.config as TrainConfig | undefined;
  const pre = m.info.preprocessing as Preprocessing | undefined;
  if (!config || !pre)
    throw new Error(
      `${dir}: training.json has no run config (was it written by nabla train?); use io.toPyTorch from code`,
    );
  const { data, officialTest } = dataOf(config, pre);
  // The split of the run, recomputed from its seed exactly as `nabla train` and `nabla eval` do.
  const n = Math.min(data.kind === 'tensors' ? data.x.shape[0] : countOf(config, pre), config.limit ?? Infinity);
  const split = splitIndices(n, config.valSplit, officialTest ? 0 : config.testSplit, config.seed);
  const optimizer = makeOptimizer(
    config.optimizer,
    m.model.parameters(),
    config.lr,
  ) as unknown as optim.Optimizer<optim.BaseHyper>;
  const files = io.toPyTorch(m.model, {
    spec: m.spec,
    info: m.info,
    title: `nabla model ${config.model} trained on ${config.data}`,
    recipe: {
      optimizer,
      batchSize: config.batchSize,
      epochs: config.epochs,
      seed: config.seed,
      patience: config.patience,
      data,
      split: { train: split.train, val: split.val, test: officialTest ? 'official' : split.test },
    },
  });
  writeModelFiles(out, files);
  return Object.keys(files).map((f) => join(out, f));
}

/** Samples in the run's training data (CSV rows or IDX training images). */
function countOf(config: TrainConfig, pre: Preprocessing): number {
  return loadData(config.data, { preprocessing: pre, target: config.target }).train.length;
}

/**
 * Loads PyTorch-trained weights (`trained.safetensors` from train.py, or any safetensors
 * state_dict with nabla's keys) into the model directory `into`, checked key by key against its
 * architecture, and saves the directory with the new weights.
 */
export function importPyTorch(ckpt: string, into: string): { keys: number; result: Record<string, unknown> | null } {
  if (!ckpt.endsWith('.safetensors'))
    throw new Error(
      `--pytorch '${ckpt}': expected a .safetensors state_dict (train.py writes trained.safetensors; ` +
        'from a .pt file: save_file(torch.load(f), "trained.safetensors") with the exported safetensors_io.py)',
    );
  const m = loadModel(into);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(ckpt));
  } catch (e) {
    throw new Error(`--pytorch '${ckpt}': ${(e as Error).message}`);
  }
  const { keys, metadata } = io.fromPyTorch(m.model, bytes, ckpt);
  const result = metadata.result ? (JSON.parse(metadata.result) as Record<string, unknown>) : null;
  saveModel(into, m.model, m.info, {
    ...m.metadata,
    importedFrom: { file: resolve(ckpt), at: new Date().toISOString(), pytorch: result },
  });
  return { keys: keys.length, result };
}
