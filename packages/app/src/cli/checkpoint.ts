/** Checkpoints: a model directory plus optimizer state, RNG streams, history and the run's options. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpoint, io, type nn, type optim } from 'nabla';
import { readModelFiles, writeModelFiles } from 'nabla/node';
import { trainState, type TrainState } from './trainer.js';

/** The options of a training run (what `--resume` reuses). */
export interface TrainConfig {
  data: string;
  target?: string;
  model: string;
  optimizer: string;
  lr: number;
  epochs: number;
  batchSize: number;
  patience: number;
  seed: number;
  valSplit: number;
  testSplit: number;
  out: string;
  /** Train on only the first `limit` samples (quick runs on big data sets). */
  limit?: number;
  /** Resize image-folder images to [height, width]. */
  imageSize?: [number, number];
  /** Read image folders as RGB (default grey). */
  rgb?: boolean;
}

export const CHECKPOINT_DIR = 'checkpoint';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const CHECKPOINT_JSON = 'checkpoint.json';

/** Writes `<out>/checkpoint/` (each file atomically; checkpoint.json, which names the epoch, last). */
export function saveCheckpoint(
  out: string,
  model: nn.Module,
  info: io.ModelInfo,
  optimizer: optim.OptimizerStateDict,
  state: TrainState,
  config: TrainConfig,
): void {
  const packedOptim = io.packState(optimizer);
  const packedState = io.packState(state);
  const files = io.packModel(model, info, { epoch: state.epoch });
  files[OPTIMIZER_FILE] = io.encodeSafetensors(packedOptim.tensors);
  const dir = join(out, CHECKPOINT_DIR);
  writeModelFiles(dir, files);
  writeModelFiles(dir, {
    [CHECKPOINT_JSON]: new TextEncoder().encode(
      JSON.stringify({ config, state: packedState.json, optimizer: packedOptim.json }, null, 1),
    ),
  });
}

/**
 * The library's `Checkpoint` callback writing `<out>/checkpoint/` after every epoch; `history`
 * is the run's records (kept by `runEpochs` before this callback runs).
 */
export function checkpointCallback(
  out: string,
  info: io.ModelInfo,
  config: TrainConfig,
  history: TrainState['history'],
): Checkpoint {
  return new Checkpoint((s, ctx) => {
    if (!s.optimizer) throw new Error('checkpoint: the optimizer has no stateDict()');
    saveCheckpoint(out, ctx.model, info, s.optimizer, trainState(s, history), config);
  });
}

export interface LoadedCheckpoint {
  loaded: io.LoadedModel;
  config: TrainConfig;
  state: TrainState;
  optimizer: optim.OptimizerStateDict;
}

/** Reads a checkpoint from a run folder (`<out>`) or its `checkpoint/` folder. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const dir = existsSync(join(path, CHECKPOINT_JSON)) ? path : join(path, CHECKPOINT_DIR);
  if (!existsSync(join(dir, CHECKPOINT_JSON)))
    throw new Error(`--resume '${path}': no ${CHECKPOINT_JSON} in it or in its ${CHECKPOINT_DIR}/ folder`);
  const files = readModelFiles(dir);
  const doc = io.readJson(files, CHECKPOINT_JSON) as { config: TrainConfig; state: unknown; optimizer: unknown };
  const tensors = files[OPTIMIZER_FILE]
    ? io.decodeSafetensors(files[OPTIMIZER_FILE], join(dir, OPTIMIZER_FILE)).tensors
    : {};
  return {
    loaded: io.unpackModel(files),
    config: doc.config,
    state: io.unpackState(doc.state, {}) as TrainState,
    optimizer: io.unpackState(doc.optimizer, tensors) as optim.OptimizerStateDict,
  };
}
