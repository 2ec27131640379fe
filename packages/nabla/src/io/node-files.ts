/** Node-only model files: atomic writes and model directories on disk. Exported from `nabla/node`. */
import { FormatError } from '../tensor/errors.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Module } from '../nn/module.js';
import { packModel, unpackModel, type LoadedModel, type ModelFiles, type ModelInfo } from './model-file.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsContent } from './safetensors.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Writes `data` to `path` atomically: a temporary file in the same directory, then a rename, so
 * a reader (or a crash) never sees a half-written file.
 * @example
 * writeFileAtomic('out/model.json', JSON.stringify(spec));
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `dir` and any missing parents (`mkdir -p`), with an error naming the level that could
 * not be made. Each level is made on its own because Node's `mkdirSync(…, { recursive: true })`
 * never returns for a path under a directory that refuses new entries, such as `/proc`.
 * @example
 * makeDirectory('runs/iris/notes');
 * writeFileAtomic('runs/iris/notes/todo.txt', 'more epochs');
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p) && dirname(p) !== p) {
    missing.push(p);
    p = dirname(p);
  }
  if (!statSync(p).isDirectory()) throw new FormatError(`cannot create directory '${dir}': '${p}' is not a directory`);
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new FormatError(`cannot create directory '${level}': ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Writes every file of `files` into `dir` (created if needed), each one atomically. */
export function writeModelFiles(dir: string, files: ModelFiles): void {
  makeDirectory(dir);
  // model.json goes last: a directory with a model.json has all its other files.
  const names = Object.keys(files).sort((a, b) => Number(a === 'model.json') - Number(b === 'model.json'));
  for (const name of names) writeFileAtomic(join(dir, name), files[name]);
}

/** Reads every regular file of `dir` (not recursive) into memory. */
export function readModelFiles(dir: string): ModelFiles {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new FormatError(`cannot read model directory '${dir}': ${(e as Error).message}`, { cause: e });
  }
  const files: ModelFiles = {};
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isFile() && !name.includes('.tmp-')) files[name] = new Uint8Array(readFileSync(p));
  }
  return files;
}

/**
 * Saves a model directory: `model.json`, `weights.safetensors`, `training.json`.
 * @example
 * saveModel('runs/iris', model, { classes: ['setosa', 'versicolor', 'virginica'] }, { epochs: 30 });
 */
export function saveModel(
  dir: string,
  model: Module,
  info: ModelInfo = {},
  metadata: Record<string, unknown> = {},
): void {
  writeModelFiles(dir, packModel(model, info, metadata));
}

/**
 * Loads a model directory written by `saveModel` (or the CLI) in eval mode.
 * @example
 * const { model, info } = loadModel('runs/iris');
 */
export function loadModel(dir: string): LoadedModel {
  try {
    return unpackModel(readModelFiles(dir));
  } catch (e) {
    throw new FormatError(`loading model from '${dir}': ${(e as Error).message}`, { cause: e });
  }
}

/** Writes tensors to a `.safetensors` file atomically. */
export function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a `.safetensors` file (e.g. one written by PyTorch). */
export function loadSafetensors(path: string): SafetensorsContent {
  return decodeSafetensors(new Uint8Array(readFileSync(path)), path);
}
