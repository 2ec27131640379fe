/**
 * The hand-off to PyTorch and back: `toPyTorch` writes a runnable PyTorch project (an `nn.Module`
 * whose state_dict matches nabla's, the weights, and optionally `train.py` for
 * DistributedDataParallel with the recipe), `fromPyTorch` loads the weights PyTorch trained,
 * checked key by key against the model. Browser-safe: files are bytes by name.
 */
import { DTypeError, OptionError, ShapeError, StateError } from '../tensor/errors.js';
import type { Module } from '../nn/module.js';
import { Adadelta } from '../optim/adadelta.js';
import { Adagrad } from '../optim/adagrad.js';
import { Adam, AdamW } from '../optim/adam.js';
import type { BaseHyper, Optimizer } from '../optim/optimizer.js';
import { RMSprop } from '../optim/rmsprop.js';
import { SGD } from '../optim/sgd.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelFiles, ModelInfo } from './model-file.js';
import { describeModel, type ModelSpec, type SpecValue } from './model-spec.js';
import { SAFETENSORS_IO_PY, TRAIN_PY } from './pytorch-scripts.js';
import { decodeSafetensors, encodeSafetensors, safetensorsHeader } from './safetensors.js';

/** Where `train.py` reads its samples; preprocessing is applied there exactly as nabla applies it. */
export type PyTorchData =
  /** A CSV file: named feature columns (standardised with `mean`/`std` when given) and a class column. */
  | {
      kind: 'csv';
      path: string;
      target: string;
      columns: readonly string[];
      classes: readonly string[];
      mean?: readonly number[];
      std?: readonly number[];
    }
  /** A folder of MNIST-format IDX files (`train-*`, optionally `t10k-*`); pixels / 255, shape [1, H, W]. */
  | { kind: 'idx'; dir: string }
  /** Samples given as tensors (written into the project as `data.safetensors`). */
  | { kind: 'tensors'; x: Tensor; y: Tensor; testX?: Tensor; testY?: Tensor };

/** The training recipe `train.py` runs: cross-entropy classification with these settings. */
export interface PyTorchRecipe {
  /** A nabla optimizer (its class and first parameter group's hyper-parameters are carried over). */
  optimizer: Optimizer<BaseHyper>;
  batchSize: number;
  epochs: number;
  seed?: number;
  /** Epochs without a better validation loss before stopping (0: never). */
  patience?: number;
  data: PyTorchData;
  /** Sample indices of each split (default: all samples train, no validation, no test). */
  split?: {
    train?: ArrayLike<number>;
    val?: ArrayLike<number>;
    /** Indices into the data, or `'official'` for the data's own test split (IDX `t10k-*`, `testX`). */
    test?: ArrayLike<number> | 'official';
  };
}

export interface PyTorchExportOptions {
  /** Input shape, class names and preprocessing, written into `model.py` as constants. */
  info?: ModelInfo;
  /** With a recipe the project also gets `train.py` and `recipe.json` (and `data.safetensors` for tensor data). */
  recipe?: PyTorchRecipe;
  /** The model's spec (default: `describeModel(model)`). */
  spec?: ModelSpec;
  /** A line naming the model in `model.py` and the project README. */
  title?: string;
}

/**
 * A runnable PyTorch project for `model`: `model.py` (an `nn.Module` with the same state_dict
 * keys and shapes), `weights.safetensors`, `safetensors_io.py` and a README; with a recipe also
 * `train.py` (DistributedDataParallel, `torchrun --nproc_per_node=N train.py`) and `recipe.json`.
 * Works for every layer type the model-spec registry knows (MLP specs, the zoo, Sequentials of
 * saveable layers); others throw naming the layer.
 * @example
 * const files = toPyTorch(model, { info: { inputShape: [4], classes: ['a', 'b', 'c'] } });
 * // Node: writeModelFiles('export/', files); then in Python: from model import load_model
 */
export function toPyTorch(model: Module, options: PyTorchExportOptions = {}): ModelFiles {
  checkOptions('toPyTorch', options, { info: true, recipe: true, spec: true, title: true });
  const spec = options.spec ?? describeModel(model);
  const title = options.title ?? 'a nabla model';
  const enc = new TextEncoder();
  const files: ModelFiles = {
    'model.py': enc.encode(pytorchModelSource(spec, options.info ?? {}, title)),
    'weights.safetensors': encodeSafetensors(model.stateDict(), { format: 'pt' }),
    'safetensors_io.py': enc.encode(SAFETENSORS_IO_PY),
  };
  if (options.recipe) {
    const { json, data } = recipeJson(options.recipe);
    files['recipe.json'] = enc.encode(`${JSON.stringify(json, null, 1)}\n`);
    files['train.py'] = enc.encode(TRAIN_PY);
    if (data) files['data.safetensors'] = data;
  }
  files['README.md'] = enc.encode(projectReadme(title, options.recipe !== undefined));
  return files;
}

const py = (v: SpecValue | undefined): string => {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `(${v.map(py).join(', ')}${v.length === 1 ? ',' : ''})`;
  throw new OptionError(`toPyTorch: cannot write ${JSON.stringify(v)} as a Python value`);
};

/** Keyword arguments `k=v` of PyTorch names, skipping undefined values. */
const kwargs = (entries: [string, SpecValue | undefined][]): string =>
  entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${py(v)}`)
    .join(', ');

const fieldOf = (s: ModelSpec, key: string): SpecValue | undefined => s[key] as SpecValue | undefined;

/** One layer spec as a Python expression building the equivalent torch module. */
function layerExpr(s: ModelSpec, indent: string): string {
  const f = (k: string) => fieldOf(s, k);
  const opt = (s.options ?? {}) as Record<string, SpecValue>;
  switch (s.type) {
    case 'Sequential': {
      const inner = (s.layers ?? []).map((l) => `${indent}    ${layerExpr(l, `${indent}    `)},`);
      return inner.length ? `nn.Sequential(\n${inner.join('\n')}\n${indent})` : 'nn.Sequential()';
    }
    case 'Linear':
      return `nn.Linear(${f('inFeatures')}, ${f('outFeatures')}, bias=${py(f('bias') !== false)})`;
    case 'Flatten':
      return `nn.Flatten(${kwargs([
        ['start_dim', f('startDim')],
        ['end_dim', f('endDim')],
      ])})`;
    case 'ReLU':
    case 'Sigmoid':
    case 'Tanh':
    case 'SiLU':
    case 'LogSigmoid':
    case 'ReLU6':
    case 'Identity':
      return `nn.${s.type}()`;
    case 'LeakyReLU':
      return `nn.LeakyReLU(${kwargs([['negative_slope', f('negativeSlope')]])})`;
    case 'ELU':
      return `nn.ELU(${kwargs([['alpha', f('alpha')]])})`;
    case 'GELU':
      return `nn.GELU(${kwargs([['approximate', f('approximate') ?? 'none']])})`;
    case 'Softplus':
      return `nn.Softplus(${kwargs([
        ['beta', f('beta')],
        ['threshold', f('threshold')],
      ])})`;
    case 'Hardtanh':
      return `nn.Hardtanh(${kwargs([
        ['min_val', f('minVal')],
        ['max_val', f('maxVal')],
      ])})`;
    case 'Softmax':
    case 'LogSoftmax':
      return `nn.${s.type}(dim=${py(f('dim') ?? null)})`;
    case 'Dropout':
      return `nn.Dropout(${kwargs([['p', f('p')]])})`;
    case 'Conv2d':
      return `nn.Conv2d(${f('inChannels')}, ${f('outChannels')}, ${kwargs([
        ['kernel_size', f('kernelSize')],
        ['stride', f('stride')],
        ['padding', f('padding')],
        ['dilation', f('dilation')],
        ['groups', f('groups')],
        ['bias', f('bias') !== false],
      ])})`;
    case 'MaxPool2d':
      return `nn.MaxPool2d(${kwargs([
        ['kernel_size', f('kernelSize')],
        ['stride', opt.stride ?? undefined],
        ['padding', opt.padding],
        ['dilation', opt.dilation],
        ['ceil_mode', opt.ceilMode],
      ])})`;
    case 'AvgPool2d':
      return `nn.AvgPool2d(${kwargs([
        ['kernel_size', f('kernelSize')],
        ['stride', opt.stride ?? undefined],
        ['padding', opt.padding],
        ['ceil_mode', opt.ceilMode],
        ['count_include_pad', opt.countIncludePad],
        ['divisor_override', opt.divisorOverride ?? undefined],
      ])})`;
    case 'AdaptiveAvgPool2d':
      return `nn.AdaptiveAvgPool2d(${py(f('outputSize'))})`;
    case 'BatchNorm1d':
    case 'BatchNorm2d':
      return `nn.${s.type}(${f('numFeatures')}, ${kwargs([
        ['eps', f('eps')],
        ['momentum', f('momentum')],
        ['affine', f('affine')],
        ['track_running_stats', f('trackRunningStats')],
      ])})`;
    case 'ResNet':
      return `ResNet(${kwargs([
        ['blocks', f('blocks')],
        ['widths', f('widths')],
        ['stem', f('stem')],
        ['num_classes', f('numClasses')],
        ['in_channels', f('inChannels')],
      ])})`;
    default:
      throw new OptionError(
        `toPyTorch: no PyTorch translation for layer type '${s.type}' (supported: Sequential, Linear, Conv2d, ` +
          'BatchNorm1d/2d, pooling, Flatten, Dropout, the activations and ResNet)',
      );
  }
}

const usesType = (s: ModelSpec, type: string): boolean =>
  s.type === type || (s.layers ?? []).some((l) => usesType(l, type));

/** nabla's ResNet (models/resnet.ts) in PyTorch, module for module, so the state_dict keys agree. */
const RESNET_PY = `
class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNet(nn.Module):
    def __init__(self, blocks, widths, stem="cifar", num_classes=1000, in_channels=3):
        super().__init__()
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1) if stem == "imagenet" else nn.Identity()
        in_planes = widths[0]
        self.stages = []
        for i, (n, width) in enumerate(zip(blocks, widths)):
            stride = 1 if i == 0 else 2
            stage = nn.Sequential(*[BasicBlock(in_planes if b == 0 else width, width, stride if b == 0 else 1) for b in range(n)])
            in_planes = width
            setattr(self, f"layer{i + 1}", stage)
            self.stages.append(stage)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_planes, num_classes)

    def forward(self, x):
        out = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in self.stages:
            out = stage(out)
        return self.fc(torch.flatten(self.avgpool(out), 1))
`;

/**
 * The source of `model.py` for a model spec: `build_model()` returns a freshly initialised torch
 * module with nabla's state_dict keys; `load_model()` loads `weights.safetensors` into it.
 * @example
 * pytorchModelSource(parseMlpSpec('mlp:4-16-3')).includes('nn.Linear(4, 16, bias=True)'); // true
 */
export function pytorchModelSource(spec: ModelSpec, info: ModelInfo = {}, title = 'a nabla model'): string {
  const body = layerExpr(spec, '    ');
  return `"""${title}: the PyTorch twin of a nabla model (written by nabla export).

Its state_dict has the keys and shapes of nabla's, so weights move both ways as safetensors.
"""
import os

import torch
from torch import nn

INPUT_SHAPE = ${info.inputShape ? `[${info.inputShape.join(', ')}]` : 'None'}
CLASSES = ${info.classes ? JSON.stringify(info.classes) : 'None'}
${usesType(spec, 'ResNet') ? RESNET_PY : ''}

def build_model():
    """The architecture, freshly initialised (load weights with load_model)."""
    return ${body}


def load_model(weights=os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.safetensors")):
    """The model with the exported (or trained) weights, in eval mode."""
    from safetensors_io import load_file

    model = build_model()
    model.load_state_dict(load_file(weights))
    return model.eval()
`;
}

/** PyTorch's name and keyword arguments for a nabla optimizer's first parameter group. */
function optimizerJson(opt: Optimizer<BaseHyper>): Record<string, SpecValue> {
  const name =
    opt instanceof AdamW
      ? 'AdamW'
      : opt instanceof Adam
        ? 'Adam'
        : opt instanceof SGD
          ? 'SGD'
          : opt instanceof RMSprop
            ? 'RMSprop'
            : opt instanceof Adagrad
              ? 'Adagrad'
              : opt instanceof Adadelta
                ? 'Adadelta'
                : null;
  if (!name)
    throw new OptionError(
      `toPyTorch: no PyTorch optimizer for ${opt.constructor.name} (supported: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta)`,
    );
  const groups = opt.paramGroups as unknown as Record<string, unknown>[];
  if (groups.length !== 1)
    throw new OptionError(`toPyTorch: the optimizer has ${groups.length} parameter groups; train.py takes one`);
  const out: Record<string, SpecValue> = { name };
  for (const [key, value] of Object.entries(groups[0])) {
    if (key === 'params' || (key === 'maximize' && value === false)) continue;
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[snake] = value as SpecValue;
  }
  return out;
}

function recipeJson(r: PyTorchRecipe): { json: Record<string, unknown>; data: Uint8Array | null } {
  for (const [key, v] of [
    ['batchSize', r.batchSize],
    ['epochs', r.epochs],
  ] as const) {
    if (!Number.isInteger(v) || v < (key === 'epochs' ? 0 : 1))
      throw new OptionError(
        `toPyTorch: recipe.${key} must be a ${key === 'epochs' ? 'non-negative' : 'positive'} integer, got ${v}`,
      );
  }
  let data: Record<string, unknown>;
  let bytes: Uint8Array | null = null;
  if (r.data.kind === 'tensors') {
    const { x, y, testX, testY } = r.data;
    if ((testX === undefined) !== (testY === undefined))
      throw new OptionError('toPyTorch: recipe.data needs both testX and testY, or neither');
    bytes = encodeSafetensors({ x, y, ...(testX && testY ? { test_x: testX, test_y: testY } : {}) });
    data = { kind: 'tensors', file: 'data.safetensors' };
  } else {
    data = { ...r.data };
  }
  const list = (v: ArrayLike<number> | undefined) => (v === undefined ? undefined : Array.from(v));
  const split = r.split ?? {};
  return {
    json: {
      format: 'nabla-pytorch-recipe',
      version: 1,
      loss: 'cross_entropy',
      optimizer: optimizerJson(r.optimizer),
      batchSize: r.batchSize,
      epochs: r.epochs,
      seed: r.seed ?? 0,
      patience: r.patience ?? 0,
      data,
      split: {
        ...(split.train !== undefined ? { train: list(split.train) } : {}),
        val: list(split.val) ?? [],
        test: split.test === 'official' ? 'official' : (list(split.test) ?? []),
      },
    },
    data: bytes,
  };
}

function projectReadme(title: string, withRecipe: boolean): string {
  const train = withRecipe
    ? `
## Train with DistributedDataParallel

    torchrun --nproc_per_node=2 train.py                 # gloo on CPUs, NCCL when CUDA is there
    torchrun --nproc_per_node=2 train.py --epochs 5 --lr 0.01 --batch-size 64
    python3 train.py                                     # one process

The recipe (data, split, preprocessing, optimizer, batch size, epochs, seed) is in \`recipe.json\`;
\`--batch-size\` is the global batch, shared among the processes. Process 0 prints the held-out test
accuracy and writes \`trained.safetensors\`. With Debian's torch 1.13 on Python 3.11, torchrun needs
\`--redirects 1 --tee 1\` (its default output redirection fails on that Python).

## Back to nabla

    nabla import --pytorch trained.safetensors --into MODEL_DIR
    nabla eval --model MODEL_DIR
`
    : '';
  return `# ${title} — PyTorch export

Written by nabla. \`model.py\` builds the model as a \`torch.nn.Module\` whose \`state_dict\` has
nabla's keys and shapes; \`weights.safetensors\` holds the weights (\`safetensors_io.py\` reads and
writes the format with torch alone).

    python3 -c "from model import load_model; print(load_model())"
${train}`;
}

/** What `fromPyTorch` checked and loaded. */
export interface PyTorchImport {
  /** Keys loaded, in the model's order. */
  keys: string[];
  /** The file's `__metadata__`. */
  metadata: Record<string, string>;
}

/**
 * Loads weights trained by PyTorch (a safetensors state_dict, e.g. `trained.safetensors` from
 * `train.py`) into `model`, after checking every key against it: missing and unexpected keys,
 * shapes, and dtypes (float parameters must be F32; integer buffers such as BatchNorm's
 * `num_batches_tracked` may be I64) — each problem named. A `module.` prefix (a
 * DistributedDataParallel wrapper's state_dict) is taken off.
 * @example
 * const { keys } = fromPyTorch(model, bytes, 'trained.safetensors');
 */
export function fromPyTorch(model: Module, bytes: Uint8Array, source = 'PyTorch checkpoint'): PyTorchImport {
  const header = safetensorsHeader(bytes, source);
  const names = Object.keys(header.tensors);
  const prefixed = names.length > 0 && names.every((n) => n.startsWith('module.'));
  const strip = (n: string) => (prefixed ? n.slice('module.'.length) : n);
  const own = model.stateDict();
  const ownKeys = Object.keys(own);
  const fileKeys = new Map(names.map((n) => [strip(n), n]));
  const missing = ownKeys.filter((k) => !fileKeys.has(k));
  const unexpected = [...fileKeys.keys()].filter((k) => !(k in own));
  if (missing.length || unexpected.length) {
    const parts = [
      missing.length ? `missing keys: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
    ].filter(Boolean);
    throw new StateError(
      `${source}: does not match the model's state_dict (${parts.join('; ')}); is it from another architecture?`,
    );
  }
  for (const key of ownKeys) {
    const entry = header.tensors[fileKeys.get(key) as string];
    const target = own[key];
    if (entry.shape.length !== target.shape.length || entry.shape.some((d, i) => d !== target.shape[i]))
      throw new ShapeError(
        `${source}: '${key}' has shape [${entry.shape.join(', ')}] but the model's is [${target.shape.join(', ')}]`,
      );
    const allowed = target.dtype === 'float32' ? ['F32'] : target.dtype === 'int32' ? ['I32', 'I64'] : null;
    if (allowed && !allowed.includes(entry.dtype))
      throw new DTypeError(
        `${source}: '${key}' is ${entry.dtype} but the model's is ${target.dtype} (expected ${allowed.join(' or ')}); ` +
          'convert it in PyTorch before saving (e.g. tensor.float())',
      );
  }
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  model.loadStateDict(Object.fromEntries(ownKeys.map((k) => [k, tensors[fileKeys.get(k) as string]])));
  return { keys: ownKeys, metadata };
}
