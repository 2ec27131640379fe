import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { buildModel, describeModel, type ModelSpec } from './model-spec.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/** The files of a model directory, by file name (browser-safe: bytes, no file system). */
export type ModelFiles = Record<string, Uint8Array>;

/** What `model.json` says besides the architecture: how inputs look and what outputs mean. */
export interface ModelInfo {
  /** Shape of one input example without the batch dimension, e.g. [1, 28, 28]. */
  inputShape?: number[];
  /** Class names, index = output unit. */
  classes?: string[];
  /** Input preprocessing, e.g. `{ kind: 'image', channels: 1, height: 28, width: 28, mean: 0, std: 1 }`. */
  preprocessing?: Record<string, unknown>;
}

/** A model with its architecture, description and free-form training metadata. */
export interface LoadedModel {
  model: Module;
  spec: ModelSpec;
  info: ModelInfo;
  metadata: Record<string, unknown>;
}

export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';
export const TRAINING_JSON = 'training.json';
const FORMAT = 'nabla-model';

const text = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** Parses a JSON file of a model directory, naming the file when it is broken. @example readJson(files, 'model.json'); */
export function readJson(files: ModelFiles, name: string): unknown {
  const bytes = files[name];
  if (!bytes) throw new Error(`model directory has no ${name} (files: ${Object.keys(files).join(', ') || 'none'})`);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${name} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The files of a model directory: `model.json` (architecture + info), `weights.safetensors`
 * (the state dict, PyTorch-compatible names) and `training.json` (metadata).
 * @example
 * const files = packModel(model, { classes: ['setosa', 'versicolor', 'virginica'] }, { epochs: 20 });
 */
export function packModel(
  model: Module,
  info: ModelInfo = {},
  metadata: Record<string, unknown> = {},
  spec = describeModel(model),
): ModelFiles {
  return {
    [MODEL_JSON]: text({ format: FORMAT, version: 1, architecture: spec, ...info }),
    [WEIGHTS_FILE]: encodeSafetensors(model.stateDict(), { format: 'pt' }),
    [TRAINING_JSON]: text(metadata),
  };
}

/**
 * Rebuilds a model from the files of a model directory and loads its weights (strictly: every
 * key must match, with equal shapes).
 * @example
 * const { model, info } = unpackModel(files);
 */
export function unpackModel(files: ModelFiles): LoadedModel {
  const doc = readJson(files, MODEL_JSON) as { format?: string; architecture?: ModelSpec } & ModelInfo;
  if (doc.format !== FORMAT || !doc.architecture) {
    throw new Error(
      `${MODEL_JSON}: expected {"format": "${FORMAT}", "architecture": {...}}, got format ${JSON.stringify(doc.format)}`,
    );
  }
  const model = buildModel(doc.architecture);
  if (!files[WEIGHTS_FILE]) throw new Error(`model directory has no ${WEIGHTS_FILE}`);
  model.loadStateDict(decodeSafetensors(files[WEIGHTS_FILE], WEIGHTS_FILE).tensors);
  model.eval();
  const info: ModelInfo = { inputShape: doc.inputShape, classes: doc.classes, preprocessing: doc.preprocessing };
  const metadata = files[TRAINING_JSON] ? (readJson(files, TRAINING_JSON) as Record<string, unknown>) : {};
  return { model, spec: doc.architecture, info, metadata };
}

/** A JSON-safe value whose tensors were moved out into a separate table. */
export interface PackedState {
  json: unknown;
  tensors: Record<string, Tensor>;
}

/**
 * Splits any nested state (an optimizer's stateDict, RNG state) into JSON plus tensors, so it
 * can be stored as a JSON file and a safetensors file. Tensors become `{"$tensor": key}`;
 * NaN and ±Infinity become `{"$number": "NaN"}` because JSON has no spelling for them.
 * @example
 * const { json, tensors } = packState(optimizer.stateDict());
 * const bytes = encodeSafetensors(tensors); // + JSON.stringify(json)
 */
export function packState(value: unknown): PackedState {
  const tensors: Record<string, Tensor> = {};
  const walk = (v: unknown, path: string): unknown => {
    if (v instanceof Tensor) {
      tensors[path] = v.detach().contiguous();
      return { $tensor: path };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}.${i}`));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
    }
    return v;
  };
  return { json: walk(value, ''), tensors };
}

/** Inverse of `packState`. @example optimizer.loadStateDict(unpackState(json, decodeSafetensors(bytes).tensors) as OptimizerStateDict); */
export function unpackState(json: unknown, tensors: Record<string, Tensor>): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$tensor === 'string') {
        const t = tensors[o.$tensor];
        if (!t) throw new Error(`unpackState: tensor '${o.$tensor}' is missing from the tensor file`);
        return t;
      }
      if (typeof o.$number === 'string') return Number(o.$number);
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(json);
}
