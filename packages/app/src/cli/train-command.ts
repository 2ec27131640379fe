/** `nabla train`: data + model spec in, model directory + report + checkpoint out. */
import { join, resolve } from 'node:path';
import { io, manualSeed, type Callback, type nn } from 'nabla';
import { saveModel } from 'nabla/node';
import { TRAIN_DEFAULTS } from './defaults.js';
import { checkpointCallback, loadCheckpoint, type TrainConfig } from './checkpoint.js';
import { loadData, prepareTabular, type DataSource } from './data-source.js';
import { resolveModelSpec, parameterCount } from './models.js';
import { ProgressBar } from './progress.js';
import { writeReport } from './report.js';
import {
  evaluate,
  initialState,
  makeOptimizer,
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
  const split = splitIndices(raw.train.length, config.valSplit, raw.test ? 0 : config.testSplit, config.seed);
  const src = prepareTabular(raw, split.train);
  const spec = resolveModelSpec(config.model, src);
  manualSeed(config.seed); // model init draws from the global stream
  const model = io.buildModel(spec);
  const info: io.ModelInfo = { inputShape: src.inputShape, classes: src.classes, preprocessing: src.preprocessing };
  const test = src.test
    ? subset(
        src.test,
        Int32Array.from({ length: src.test.length }, (_, i) => i),
      )
    : subset(src.train, split.test);
  return { src, spec, model, info, train: subset(src.train, split.train), val: subset(src.train, split.val), test };
}

/** The first `n` training samples only (tabular raw features too, so standardisation sees the same rows). */
function limitSource(src: DataSource, n: number): DataSource {
  const first = Int32Array.from({ length: n }, (_, i) => i);
  const tabular = src.tabular && {
    features: src.tabular.features.narrow(0, 0, n),
    target: src.tabular.target.narrow(0, 0, n),
  };
  return { ...src, train: subset(src.train, first), tabular };
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
}

function startRun(given: Partial<TrainConfig>, resume: string | undefined, print: (line: string) => void): Run {
  if (!resume) {
    const config = { ...TRAIN_DEFAULTS, ...given };
    const s = setup(config);
    return {
      config,
      s,
      opt: makeOptimizer(config.optimizer, s.model.parameters(), config.lr),
      state: initialState(config.seed),
    };
  }
  const ckpt = loadCheckpoint(resume);
  // A resumed run keeps every option of the original, except how many epochs to reach.
  const config = { ...ckpt.config, epochs: given.epochs ?? ckpt.config.epochs, out: given.out ?? resume };
  const s = setup(config);
  s.model.loadStateDict(ckpt.loaded.model.stateDict());
  const opt = makeOptimizer(config.optimizer, s.model.parameters(), config.lr);
  opt.loadStateDict(ckpt.optimizer);
  const state = { ...ckpt.state, stopped: false };
  print(`resuming ${config.out} after epoch ${state.epoch} of ${config.epochs}`);
  return { config, s, opt, state };
}

/** Evaluates on the held-out split, writes the model directory and the report. */
async function finishRun({ config, s, state }: Run, out: string, print: (line: string) => void): Promise<TrainResult> {
  const t = s.test.length > 0 ? evaluate(s.model, s.test) : null;
  const metadata = {
    config,
    epochs: state.epoch,
    history: state.history,
    testAccuracy: t?.accuracy ?? null,
    testLoss: t?.loss ?? null,
    finishedAt: new Date().toISOString(),
  };
  saveModel(out, s.model, s.info, metadata);
  const reportPath = await writeReport(join(out, 'report'), {
    title: `nabla train — ${s.src.name}, ${config.model}`,
    facts: [
      ['data', `${s.src.name} (${s.train.length} train / ${s.val.length} val / ${s.test.length} test)`],
      ['model', `${config.model} (${parameterCount(s.model)} parameters)`],
      ['optimizer', `${config.optimizer}, lr ${config.lr}, batch ${config.batchSize}, seed ${config.seed}`],
      ['epochs', String(state.epoch)],
      ['held-out test accuracy', t ? `${(t.accuracy * 100).toFixed(2)}%` : '–'],
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
 * @example
 * await train({ data: 'iris', epochs: 20, out: 'runs/iris' });
 * await train({ epochs: 40 }, { resume: 'runs/iris' }); // continue to epoch 40
 */
export async function train(
  given: Partial<TrainConfig>,
  options: { resume?: string; print?: (s: string) => void; callbacks?: readonly Callback[] } = {},
): Promise<TrainResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const run = startRun(given, options.resume, print);
  const { config, s, opt, state } = run;
  print(
    `data ${s.src.name}: ${s.train.length} train, ${s.val.length} validation, ${s.test.length} test samples, ${s.src.classes.length} classes`,
  );
  print(
    `model ${config.model}: ${parameterCount(s.model)} parameters; optimizer ${config.optimizer} lr ${config.lr}; batch ${config.batchSize}; seed ${config.seed}`,
  );
  const out = resolve(config.out);
  const callbacks = [
    new ProgressBar(print),
    checkpointCallback(out, s.info, config, state.history),
    ...(options.callbacks ?? []),
  ];
  await runEpochs(
    s.model,
    opt,
    s.train,
    s.val,
    state,
    { epochs: config.epochs, batchSize: config.batchSize, patience: config.patience, seed: config.seed },
    callbacks,
  );
  if (state.stopped) print(`early stop: validation loss did not improve for ${config.patience} epochs`);
  return finishRun(run, out, print);
}
