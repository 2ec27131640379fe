import { FormatError, OptionError } from '../tensor/errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import { isfinite, logicalNot } from '../ops/comparison.js';
import { sum } from '../ops/reduce.js';
import { zeros } from '../tensor/create.js';
import { isFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { buildModel, describeModel, type ModelSpec } from './model-spec.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { sha256Hex } from './sha256.js';

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
  if (!bytes)
    throw new FormatError(`model directory has no ${name} (files: ${Object.keys(files).join(', ') || 'none'})`);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new FormatError(`${name} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The files of a model directory: `model.json` (architecture + info, and `weightsSha256`, the
 * SHA-256 of the weights file), `weights.safetensors` (the state dict, PyTorch-compatible names)
 * and `training.json` (metadata).
 * @example
 * const files = packModel(model, { classes: ['setosa', 'versicolor', 'virginica'] }, { epochs: 20 });
 */
export function packModel(
  model: Module,
  info: ModelInfo = {},
  metadata: Record<string, unknown> = {},
  spec = describeModel(model),
): ModelFiles {
  const weights = encodeSafetensors(model.stateDict(), { format: 'pt' });
  return {
    [MODEL_JSON]: text({ format: FORMAT, version: 1, architecture: spec, ...info, weightsSha256: sha256Hex(weights) }),
    [WEIGHTS_FILE]: weights,
    [TRAINING_JSON]: text(metadata),
  };
}

/**
 * Rebuilds a model from the files of a model directory and loads its weights (strictly: every
 * key must match, with equal shapes). Refuses, naming the file, field or tensor: weights whose
 * SHA-256 differs from model.json's `weightsSha256` (directories written before the field
 * existed have none and skip that check), weights with NaN or ±Infinity, and an `inputShape` /
 * `classes` that do not fit the architecture (one zero sample must go through the model and
 * give one output per class).
 * @example
 * const { model, info } = unpackModel(files);
 */
export function unpackModel(files: ModelFiles): LoadedModel {
  const doc = readJson(files, MODEL_JSON) as { format?: string; architecture?: ModelSpec; weightsSha256?: unknown } & {
    [K in keyof ModelInfo]?: unknown;
  };
  if (doc.format !== FORMAT || !doc.architecture) {
    throw new FormatError(
      `${MODEL_JSON}: expected {"format": "${FORMAT}", "architecture": {...}}, got format ${JSON.stringify(doc.format)}`,
    );
  }
  const info = readInfo(doc);
  const model = buildModel(doc.architecture);
  const weights = files[WEIGHTS_FILE];
  if (!weights) throw new FormatError(`model directory has no ${WEIGHTS_FILE}`);
  checkWeightsHash(doc.weightsSha256, weights);
  const { tensors } = decodeSafetensors(weights, WEIGHTS_FILE);
  checkFinite(tensors, WEIGHTS_FILE);
  model.loadStateDict(tensors);
  model.eval();
  checkOutputs(model, info);
  const metadata = files[TRAINING_JSON] ? (readJson(files, TRAINING_JSON) as Record<string, unknown>) : {};
  return { model, spec: doc.architecture, info, metadata };
}

/** model.json's description fields, type-checked (each error names its field). */
function readInfo(doc: { [K in keyof ModelInfo]?: unknown }): ModelInfo {
  const { inputShape, classes, preprocessing } = doc;
  if (
    inputShape !== undefined &&
    !(Array.isArray(inputShape) && inputShape.every((d) => Number.isSafeInteger(d) && (d as number) > 0))
  )
    throw new OptionError(
      `${MODEL_JSON}: "inputShape" must be an array of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  if (classes !== undefined) {
    if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string'))
      throw new OptionError(`${MODEL_JSON}: "classes" must be an array of strings, got ${JSON.stringify(classes)}`);
    const repeated = classes.find((c, i) => classes.indexOf(c) !== i);
    if (repeated !== undefined)
      throw new FormatError(`${MODEL_JSON}: "classes" names ${JSON.stringify(repeated)} twice`);
  }
  if (preprocessing !== undefined && (preprocessing === null || typeof preprocessing !== 'object'))
    throw new OptionError(`${MODEL_JSON}: "preprocessing" must be an object, got ${JSON.stringify(preprocessing)}`);
  return {
    inputShape: inputShape as number[] | undefined,
    classes: classes as string[] | undefined,
    preprocessing: preprocessing as Record<string, unknown> | undefined,
  };
}

function checkWeightsHash(expected: unknown, weights: Uint8Array): void {
  if (expected === undefined) return;
  if (typeof expected !== 'string' || !/^[0-9a-f]{64}$/.test(expected))
    throw new OptionError(
      `${MODEL_JSON}: "weightsSha256" must be 64 lowercase hex digits, got ${JSON.stringify(expected)}`,
    );
  const actual = sha256Hex(weights);
  if (actual !== expected)
    throw new FormatError(
      `${WEIGHTS_FILE}: its SHA-256 is ${actual} but ${MODEL_JSON} records ${expected} ("weightsSha256"): the file was changed or damaged after it was saved`,
    );
}

/** NaN or ±Infinity in a weight would make every prediction NaN: refused by name. */
function checkFinite(tensors: Record<string, Tensor>, file: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (!isFloating(t.dtype)) continue;
    const bad = noGrad(() => sum(logicalNot(isfinite(t))).item());
    if (bad > 0)
      throw new FormatError(
        `${file}: tensor '${name}' has ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or ±Infinity)`,
      );
  }
}

/**
 * With both `inputShape` and `classes`, one zero sample (in the weights' float dtype, or int32
 * for models that take indices) must pass through the model and give `classes.length` outputs.
 */
function checkOutputs(model: Module, info: ModelInfo): void {
  const { inputShape, classes } = info;
  if (!inputShape || !classes) return;
  const floatType = model.parameters().find((p) => isFloating(p.dtype))?.dtype ?? 'float32';
  let output: Tensor | undefined;
  let failure: unknown;
  for (const dtype of [floatType, 'int32'] as const) {
    try {
      output = noGrad(() => model.forward(zeros([1, ...inputShape], { dtype })));
      break;
    } catch (e) {
      failure ??= e;
    }
  }
  if (!(output instanceof Tensor))
    throw new FormatError(
      `${MODEL_JSON}: "inputShape" [${inputShape.join(', ')}] does not fit the architecture: ${failure instanceof Error ? failure.message : String(failure)}`,
    );
  const outputs = output.shape[output.ndim - 1];
  if (output.ndim < 2 || outputs !== classes.length)
    throw new FormatError(
      `${MODEL_JSON}: "classes" has ${classes.length} name${classes.length === 1 ? '' : 's'} but the model has ${output.ndim < 2 ? `output shape [${output.shape.join(', ')}]` : `${outputs} outputs`}`,
    );
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
        if (!t) throw new FormatError(`unpackState: tensor '${o.$tensor}' is missing from the tensor file`);
        return t;
      }
      if (typeof o.$number === 'string') return Number(o.$number);
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(json);
}
