/**
 * Checkpoints of `nabla train` (a model directory plus optimizer state, RNG streams, history and
 * the run's options) kept as one atomic unit, and the lock that allows one writer per run folder.
 *
 * A run folder `<out>` holds `checkpoint/`, the latest complete checkpoint. A new one is written
 * whole into a fresh `checkpoint.tmp-<pid>-<hex>/` folder, `checkpoint.json` last with the SHA-256
 * of every other file; then `checkpoint/` is renamed `checkpoint.previous/`, the new folder is
 * renamed `checkpoint/`, and the previous one is removed. A crash at any step leaves
 * `checkpoint/` or `checkpoint.previous/` complete, and reading verifies the hashes, so a torn
 * checkpoint is never resumed from.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Checkpoint, io, type nn, type optim } from 'nabla';
import { readModelFiles } from 'nabla/node';
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
  /** Measure plasticity diagnostics on a fixed probe after every epoch (`--plasticity`). */
  plasticity?: boolean;
}

export const CHECKPOINT_DIR = 'checkpoint';
export const PREVIOUS_DIR = 'checkpoint.previous';
export const LOCK_FILE = 'train.lock';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const CHECKPOINT_JSON = 'checkpoint.json';
/** Marks what an interrupted write leaves behind: `checkpoint.tmp-…/` folders and `*.tmp-*` files. */
const TEMPORARY = '.tmp-';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Test hook: with `NABLA_FAULT_AFTER_WRITES=k`, the process kills itself (SIGKILL: no clean-up,
 * no exit handlers) right after its k-th write, rename or removal of a run's files, so a test
 * can crash a run after every single step of writing a checkpoint, deterministically.
 */
const faultAfter = Number(process.env.NABLA_FAULT_AFTER_WRITES ?? 0);
let writes = 0;
function wrote(): void {
  writes++;
  if (faultAfter > 0 && writes === faultAfter) process.kill(process.pid, 'SIGKILL');
}

/** Writes a file and flushes it to the disk before returning (so a rename after it never exposes a hole). */
function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  wrote();
}

/** Flushes a folder's entries (renames) to the disk; a no-op where folders cannot be opened (Windows). */
function syncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a folder; the renames are still atomic
  } finally {
    closeSync(fd);
  }
}

function renameCounted(from: string, to: string): void {
  renameSync(from, to);
  wrote();
}

function removeCounted(path: string): void {
  rmSync(path, { recursive: true, force: true });
  wrote();
}

/**
 * Writes files into `dir` (which exists) each atomically, `model.json` last, counting every
 * write and rename for the fault hook: the final model directory of a run.
 */
export function writeRunFiles(dir: string, files: io.ModelFiles): void {
  const names = Object.keys(files).sort((a, b) => Number(a === io.MODEL_JSON) - Number(b === io.MODEL_JSON));
  for (const name of names) {
    const tmp = join(dir, `${name}${TEMPORARY}${process.pid}-${randomBytes(4).toString('hex')}`);
    writeDurable(tmp, files[name]);
    renameCounted(tmp, join(dir, name));
  }
  syncFolder(dir);
}

/** Writes `<out>/checkpoint/` as one unit (see the file comment): a crash leaves the old or the new one complete. */
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
  const hashes = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)]));
  const doc = { epoch: state.epoch, files: hashes, config, state: packedState.json, optimizer: packedOptim.json };
  const tmp = join(out, `${CHECKPOINT_DIR}${TEMPORARY}${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  wrote();
  for (const [name, bytes] of Object.entries(files)) writeDurable(join(tmp, name), bytes);
  writeDurable(join(tmp, CHECKPOINT_JSON), new TextEncoder().encode(JSON.stringify(doc, null, 1)));
  syncFolder(tmp);
  const current = join(out, CHECKPOINT_DIR);
  const previous = join(out, PREVIOUS_DIR);
  if (existsSync(current)) {
    if (existsSync(previous)) removeCounted(previous);
    renameCounted(current, previous);
  }
  renameCounted(tmp, current);
  syncFolder(out);
  if (existsSync(previous)) removeCounted(previous);
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
  /** The folder it was read from. */
  dir: string;
  /** What the reader had to do (e.g. fall back to the previous checkpoint), for the user. */
  notes: string[];
}

interface CheckpointDoc {
  epoch?: number;
  files?: Record<string, string>;
  config: TrainConfig;
  state: unknown;
  optimizer: unknown;
}

/** Reads and verifies one checkpoint folder; throws a one-line reason when it is incomplete or damaged. */
function readCheckpointFolder(dir: string): LoadedCheckpoint {
  if (!existsSync(dir)) throw new Error('it does not exist');
  const files = readModelFiles(dir);
  if (!files[CHECKPOINT_JSON]) throw new Error(`it has no ${CHECKPOINT_JSON} (it was being written)`);
  const doc = io.readJson(files, CHECKPOINT_JSON) as CheckpointDoc;
  const notes: string[] = [];
  if (doc.files) {
    for (const [name, hash] of Object.entries(doc.files)) {
      if (!files[name]) throw new Error(`${name} is missing`);
      if (sha256(files[name]) !== hash) throw new Error(`${name} does not match its SHA-256 in ${CHECKPOINT_JSON}`);
    }
  } else {
    notes.push(`${dir} was written by an older nabla without file hashes; its files are not verified`);
  }
  const tensors = files[OPTIMIZER_FILE] ? io.decodeSafetensors(files[OPTIMIZER_FILE], OPTIMIZER_FILE).tensors : {};
  return {
    loaded: io.unpackModel(files),
    config: doc.config,
    state: io.unpackState(doc.state, {}) as TrainState,
    optimizer: io.unpackState(doc.optimizer, tensors) as optim.OptimizerStateDict,
    dir,
    notes,
  };
}

/**
 * Reads the latest complete checkpoint of a run folder (`<out>`), or a checkpoint folder itself.
 * When `checkpoint/` is incomplete or damaged, the previous complete one (`checkpoint.previous/`)
 * is used, with a note saying so; when neither is complete, the error names both reasons.
 */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  if (existsSync(join(path, CHECKPOINT_JSON))) {
    try {
      return readCheckpointFolder(path);
    } catch (e) {
      throw new Error(`--resume '${path}': the checkpoint is incomplete or damaged: ${(e as Error).message}`);
    }
  }
  const current = join(path, CHECKPOINT_DIR);
  const previous = join(path, PREVIOUS_DIR);
  if (!existsSync(current) && !existsSync(previous))
    throw new Error(
      `--resume '${path}': no ${CHECKPOINT_DIR}/ in it: the run was interrupted before its first checkpoint was complete, or it is not a folder written by nabla train; start the run again without --resume`,
    );
  let why: string;
  try {
    return readCheckpointFolder(current);
  } catch (e) {
    why = (e as Error).message;
  }
  try {
    const older = readCheckpointFolder(previous);
    older.notes.unshift(
      `${current} is incomplete (${why}); resuming from the previous complete checkpoint, epoch ${older.state.epoch}, in ${previous}`,
    );
    return older;
  } catch (e) {
    throw new Error(
      `--resume '${path}': no complete checkpoint: ${CHECKPOINT_DIR}/: ${why}; ${PREVIOUS_DIR}/: ${(e as Error).message}`,
    );
  }
}

/**
 * Tidies a run folder this process holds the lock of, after an interrupted run: removes stray
 * temporaries (`checkpoint.tmp-…/`, `*.tmp-*` files here and in `report/`), and settles a swap
 * cut short — a stale `checkpoint.previous/` is removed, or, when `checkpoint/` is missing or
 * incomplete, the complete previous one takes its place. Returns what it did, for the user.
 */
export function tidyRunFolder(out: string): string[] {
  if (!existsSync(out)) return [];
  const notes: string[] = [];
  const removed: string[] = [];
  for (const folder of [out, join(out, 'report')]) {
    if (!existsSync(folder) || !statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder)) {
      if (!name.includes(TEMPORARY)) continue;
      rmSync(join(folder, name), { recursive: true, force: true });
      removed.push(join(folder, name));
    }
  }
  if (removed.length > 0)
    notes.push(`removed ${removed.length} temporary file(s) left by an interrupted run: ${removed.join(', ')}`);
  const current = join(out, CHECKPOINT_DIR);
  const previous = join(out, PREVIOUS_DIR);
  if (!existsSync(previous)) return notes;
  let why: string | null = null;
  try {
    readCheckpointFolder(current);
  } catch (e) {
    why = (e as Error).message;
  }
  if (why === null) {
    rmSync(previous, { recursive: true, force: true });
    notes.push(`removed ${previous}, left by an interrupted checkpoint swap (${current} is complete)`);
    return notes;
  }
  try {
    readCheckpointFolder(previous);
  } catch {
    return notes; // neither is complete: loadCheckpoint explains
  }
  rmSync(current, { recursive: true, force: true });
  renameSync(previous, current);
  syncFolder(out);
  notes.push(`${current} was incomplete (${why}); the previous complete checkpoint took its place`);
  return notes;
}

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** Whether the process that wrote a lock may still be running (a lock from another host is assumed live). */
function holderAlive(holder: LockHolder | null): boolean {
  if (!holder) return false;
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/**
 * Takes `<out>/train.lock` so that no second `nabla train` writes the same run folder (two
 * `--resume` of one run would interleave their checkpoints). A lock whose process is no longer
 * running (killed) is taken over, with a note through `print`. Returns the release function.
 */
export function lockRunFolder(out: string, print: (line: string) => void): () => void {
  const path = join(out, LOCK_FILE);
  const mine = `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new Error(`--out '${out}' is not writable: ${(e as Error).message}`);
      const holder = readHolder(path);
      if (attempt > 0 || holderAlive(holder)) {
        const who = holder ? `process ${holder.pid} on ${holder.host}, since ${holder.since}` : 'another process';
        throw new Error(
          `'${out}' is being written by another nabla train (${who}); wait for it to finish, or delete ${path} if that process is gone`,
        );
      }
      print(
        `taking over ${path}: ${holder ? `process ${holder.pid}, which held it, is no longer running` : 'it is unreadable (its writer was interrupted)'}`,
      );
      rmSync(path, { force: true });
    }
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === mine) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
}
