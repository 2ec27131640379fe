/** `nabla train`: data + model spec in, model directory + report + checkpoint out. */
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { io, manualSeed, type Callback, type nn } from 'nabla';
import { makeDirectory } from 'nabla/node';
import { TRAIN_DEFAULTS } from './defaults.js';
import {
  CHECKPOINT_DIR,
  checkpointCallback,
  loadCheckpoint,
  lockRunFolder,
  tidyRunFolder,
  writeRunFiles,
  type TrainConfig,
} from './checkpoint.js';
import { loadData, prepareTabular, type DataSource } from './data-source.js';
import { buildModelChecked, parameterCount, resolveModelSpec } from './models.js';
import { plasticityProbe, type PlasticityProbe } from './plasticity.js';
import { ProgressBar } from './progress.js';
import { writeReport } from './report.js';
import {
  evaluate,
  initialState,
  makeOptimizer,
  NonFiniteError,
  runEpochs,
  splitIndices,
  subset,
  type StepOptimizer,
  type TrainState,
} from './trainer.js';

/** The data, split, model and optimizer of a run, rebuilt identically from its config. */
interface Setup {
  src: DataSource;
  spec: io.ModelSpec;
  model: nn.Module;
  info: io.ModelInfo;
  train: ReturnType<typeof subset>;
  val: ReturnType<typeof subset>;
  test: ReturnType<typeof subset>;
}

function setup(config: TrainConfig): Setup {
  const loaded = loadData(config.data, { target: config.target, imageSize: config.imageSize, rgb: config.rgb });
  const raw = config.limit && config.limit < loaded.train.length ? limitSource(loaded, config.limit) : loaded;
  if (raw.classes.length < 2)
    throw new Error(
      `--data ${config.data} has ${raw.classes.length === 0 ? 'no class' : `only one class (${JSON.stringify(raw.classes[0])})`}; a classifier needs at least two`,
    );
  const split = splitIndices(raw.train.length, config.valSplit, raw.test ? 0 : config.testSplit, config.seed);
  checkTrainingClasses(config, raw, split.train);
  const src = prepareTabular(raw, split.train);
  const spec = resolveModelSpec(config.model, src);
  manualSeed(config.seed); // model init draws from the global stream
  const model = buildModelChecked(config.model, spec);
  const info: io.ModelInfo = { inputShape: src.inputShape, classes: src.classes, preprocessing: src.preprocessing };
  const test = src.test
    ? subset(
        src.test,
        Int32Array.from({ length: src.test.length }, (_, i) => i),
      )
    : subset(src.train, split.test);
  return { src, spec, model, info, train: subset(src.train, split.train), val: subset(src.train, split.val), test };
}

/** Training samples of one class only would give a "100%" model that has learnt nothing. */
function checkTrainingClasses(config: TrainConfig, src: DataSource, train: Int32Array): void {
  const present = new Set(Array.from(train, (i) => src.labels[i]));
  if (present.size >= 2) return;
  const [only] = present;
  throw new Error(
    `--data ${config.data}: every training sample is of class ${JSON.stringify(src.classes[only])} (the data has ${src.classes.length} classes${config.limit ? `; --limit ${config.limit} keeps only the first samples` : ''}); a classifier needs at least two in training`,
  );
}

/** The first `n` training samples only (tabular raw features too, so standardisation sees the same rows). */
function limitSource(src: DataSource, n: number): DataSource {
  const first = Int32Array.from({ length: n }, (_, i) => i);
  const tabular = src.tabular && {
    features: src.tabular.features.narrow(0, 0, n),
    target: src.tabular.target.narrow(0, 0, n),
  };
  return { ...src, train: subset(src.train, first), tabular, labels: src.labels.subarray(0, n) };
}

export interface TrainResult {
  out: string;
  state: TrainState;
  testAccuracy: number | null;
  testLoss: number | null;
  reportPath: string;
}

/** A run ready to train: fresh from options, or restored from a checkpoint. */
interface Run {
  config: TrainConfig;
  s: Setup;
  opt: StepOptimizer;
  state: TrainState;
  /** The plasticity probe (`--plasticity`), or null. */
  probe: PlasticityProbe | null;
}

/** The probe of a run with `--plasticity`: built after the weights are in place, so a model it cannot measure fails before training. */
function probeOf(config: TrainConfig, s: Setup): PlasticityProbe | null {
  if (config.plasticity === undefined || config.plasticity === false) return null;
  if (config.plasticity !== true)
    throw new Error(`--plasticity takes no value (it is on or off), got ${JSON.stringify(config.plasticity)}`);
  return plasticityProbe(s.model, s.val, s.train, config.model);
}

function startFresh(given: Partial<TrainConfig>): Run {
  const config = { ...TRAIN_DEFAULTS, ...given };
  const s = setup(config);
  return {
    config,
    s,
    opt: makeOptimizer(config.optimizer, s.model.parameters(), config.lr),
    state: initialState(config.seed),
    probe: probeOf(config, s),
  };
}

function startResumed(given: Partial<TrainConfig>, resume: string, out: string, print: (line: string) => void): Run {
  const ckpt = loadCheckpoint(resume);
  for (const note of ckpt.notes) print(note);
  const done = ckpt.state.epoch;
  if (given.epochs !== undefined && given.epochs < done)
    throw new Error(
      `--epochs ${given.epochs}: this run has already trained ${done} epochs (--epochs is the epoch to reach, not how many more); give ${done} or more`,
    );
  // Records without diagnostics followed by records with them would chart a run that was never measured whole.
  if (given.plasticity && !ckpt.config.plasticity)
    throw new Error(
      `--plasticity: the run in '${resume}' was trained without it, and a resumed run keeps its options; start a new run with --plasticity`,
    );
  // A resumed run keeps every option of the original, except how many epochs to reach.
  const config = { ...ckpt.config, epochs: given.epochs ?? ckpt.config.epochs, out };
  const s = setup(config);
  s.model.loadStateDict(ckpt.loaded.model.stateDict());
  const opt = makeOptimizer(config.optimizer, s.model.parameters(), config.lr);
  opt.loadStateDict(ckpt.optimizer);
  const state = { ...ckpt.state, stopped: false };
  const probe = probeOf(config, s);
  print(`resuming ${config.out} after epoch ${state.epoch} of ${config.epochs}`);
  return { config, s, opt, state, probe };
}

/** Evaluates on the held-out split, writes the model directory and the report. */
async function finishRun(
  { config, s, state, probe }: Run,
  out: string,
  print: (line: string) => void,
): Promise<TrainResult> {
  const t = s.test.length > 0 ? evaluate(s.model, s.test) : null;
  const metadata = {
    config,
    epochs: state.epoch,
    history: state.history,
    testAccuracy: t?.accuracy ?? null,
    testLoss: t?.loss ?? null,
    finishedAt: new Date().toISOString(),
  };
  writeRunFiles(out, io.packModel(s.model, s.info, metadata));
  const reportPath = await writeReport(join(out, 'report'), {
    title: `nabla train — ${s.src.name}, ${config.model}`,
    facts: [
      ['data', `${s.src.name} (${s.train.length} train / ${s.val.length} val / ${s.test.length} test)`],
      ['model', `${config.model} (${parameterCount(s.model)} parameters)`],
      ['optimizer', `${config.optimizer}, lr ${config.lr}, batch ${config.batchSize}, seed ${config.seed}`],
      ['epochs', String(state.epoch)],
      ['held-out test accuracy', t ? `${(t.accuracy * 100).toFixed(2)}%` : '–'],
      ...(probe
        ? [
            [
              'plasticity probe',
              `${probe.samples} ${probe.from} samples, measured after each epoch; hidden layers of ${probe.monitor.layers.map((l) => l.units).join(', ')} units`,
            ] as [string, string],
          ]
        : []),
    ],
    history: state.history,
  });
  if (t)
    print(
      `held-out test accuracy ${(t.accuracy * 100).toFixed(2)}% (loss ${t.loss.toFixed(4)}) on ${s.test.length} samples`,
    );
  print(`saved model to ${out} (report: ${reportPath})`);
  return { out, state, testAccuracy: t?.accuracy ?? null, testLoss: t?.loss ?? null, reportPath };
}

/**
 * Trains (or resumes) a run through the library's `fit` loop with callbacks: a progress bar and
 * summary line per epoch, a checkpoint after each epoch, then any of `options.callbacks` (the
 * dashboard); then writes the model directory, `report/` (SVG curves + HTML) and the held-out accuracy.
 * The run folder is created and locked (`train.lock`) before training, so an unwritable `--out`
 * or a second writer fails at once; a NaN or infinite loss stops the run with an error and
 * saves nothing (the last good checkpoint stays).
 * @example
 * await train({ data: 'iris', epochs: 20, out: 'runs/iris' });
 * await train({ epochs: 40 }, { resume: 'runs/iris' }); // continue to epoch 40
 */
export async function train(
  given: Partial<TrainConfig>,
  options: { resume?: string; print?: (s: string) => void; callbacks?: readonly Callback[] } = {},
): Promise<TrainResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const resume = options.resume;
  if (resume !== undefined && !existsSync(resume)) throw new Error(`--resume '${resume}': no such folder`);
  // A fresh run checks its data and model before touching the disk, so a bad option writes nothing.
  let run = resume ? null : startFresh(given);
  // --resume RUN/checkpoint continues RUN (writing the run into its own checkpoint folder would break its hashes).
  const outOption =
    given.out ??
    (resume && basename(resolve(resume)) === CHECKPOINT_DIR && existsSync(join(resume, 'checkpoint.json'))
      ? dirname(resume)
      : resume) ??
    TRAIN_DEFAULTS.out;
  const out = resolve(outOption);
  const existed = existsSync(out);
  try {
    makeDirectory(out);
  } catch (e) {
    throw new Error(`--out '${outOption}': ${(e as Error).message}`);
  }
  const release = lockRunFolder(out, print);
  try {
    for (const note of tidyRunFolder(out)) print(note);
    run ??= startResumed(given, resume as string, outOption, print);
    return await trainRun(run, out, print, options.callbacks ?? []);
  } catch (e) {
    if (!(e instanceof NonFiniteError) || !run) throw e;
    const { config, state } = run;
    const kept =
      state.epoch > 0
        ? `the last good checkpoint, after epoch ${state.epoch}, stays in ${join(out, CHECKPOINT_DIR)}`
        : 'no checkpoint was written';
    throw new Error(
      `training diverged at ${e.message}; stopped without saving a model (${kept}); a smaller --lr than ${config.lr} may help`,
    );
  } finally {
    release();
    // A run that failed before writing anything leaves no empty folder behind.
    if (!existed && existsSync(out) && readdirSync(out).length === 0) rmdirSync(out);
  }
}

async function trainRun(
  run: Run,
  out: string,
  print: (line: string) => void,
  extra: readonly Callback[],
): Promise<TrainResult> {
  const { config, s, opt, state, probe } = run;
  print(
    `data ${s.src.name}: ${s.train.length} train, ${s.val.length} validation, ${s.test.length} test samples, ${s.src.classes.length} classes`,
  );
  print(
    `model ${config.model}: ${parameterCount(s.model)} parameters; optimizer ${config.optimizer} lr ${config.lr}; batch ${config.batchSize}; seed ${config.seed}`,
  );
  const callbacks = [new ProgressBar(print), checkpointCallback(out, s.info, config, state.history), ...extra];
  await runEpochs(
    s.model,
    opt,
    s.train,
    s.val,
    state,
    {
      epochs: config.epochs,
      batchSize: config.batchSize,
      patience: config.patience,
      seed: config.seed,
      measures: probe ? [probe.callback] : [],
    },
    callbacks,
  );
  if (state.stopped) print(`early stop: validation loss did not improve for ${config.patience} epochs`);
  return finishRun(run, out, print);
}
