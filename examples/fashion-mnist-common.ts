/**
 * Shared by the Fashion-MNIST examples: flags, backend choice, data, the timed training run.
 * Flags: --epochs N --batch N --lr X --seed N --backend native|wasm|js (native: the platform BLAS, else wasm) --threads N --limit N (train on
 * the first N images only, for a quick try) --test-each-epoch (print test accuracy every epoch) --augment (the CNN's random crop and flip).
 */
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import {
  DataLoader,
  Generator,
  Subset,
  backendInfo,
  evaluate,
  fit,
  initWasm,
  manualSeed,
  nn,
  optim,
  setBackend,
  transforms,
  wasmInfo,
  type Callback,
  type MnistDataset,
} from 'nabla';
import { initNative, loadFashionMnist } from 'nabla/node';

/** Mean and standard deviation of Fashion-MNIST's training pixels (in [0, 1]). */
export const FASHION_MEAN = 0.286;
export const FASHION_STD = 0.353;

export interface RunConfig {
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  backend: 'js' | 'wasm' | 'native';
  threads: number;
  limit: number;
  /** Evaluate on the test set after every epoch (its time is left out of the training time). */
  testEachEpoch: boolean;
  /** Turns on the CNN's data augmentation (--augment). */
  augment: boolean;
}

export function parseConfig(defaults: { epochs: number; batch: number; lr: number }): RunConfig {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      limit: { type: 'string' },
      'test-each-epoch': { type: 'boolean' },
      augment: { type: 'boolean' },
    },
  });
  const backend = values.backend ?? 'native';
  if (backend !== 'js' && backend !== 'wasm' && backend !== 'native')
    throw new Error(`--backend must be native, wasm or js, got ${backend}`);
  return {
    epochs: Number(values.epochs ?? defaults.epochs),
    batch: Number(values.batch ?? defaults.batch),
    lr: Number(values.lr ?? defaults.lr),
    seed: Number(values.seed ?? 0),
    backend,
    threads: Number(values.threads ?? cpus().length),
    limit: Number(values.limit ?? 0),
    testEachEpoch: values['test-each-epoch'] ?? false,
    augment: values.augment ?? false,
  };
}

/** Selects the backend; returns a one-line description for the report. */
export async function chooseBackend(config: RunConfig): Promise<string> {
  if (config.backend === 'js') {
    setBackend('js');
    return 'js (reference, 1 thread)';
  }
  if (config.backend === 'native') {
    const started = await initNative({ threads: config.threads });
    const blas = backendInfo().blas;
    if (typeof started !== 'string' && blas)
      return `native (${blas.library} ${blas.corename ?? ''}, ${blas.threads ?? config.threads} threads)`;
    console.log(`native backend unavailable (${String(started)}); using wasm`);
  }
  await initWasm({ threads: config.threads });
  const info = wasmInfo();
  return `wasm (${info?.relaxedSimd ? 'relaxed SIMD' : 'SIMD'}, ${info?.threads} threads)`;
}

/** Trains `model` with Adam (cosine-annealed learning rate) and cross-entropy, then reports test accuracy and wall time. */
export async function trainAndReport(
  name: string,
  model: nn.Module,
  config: RunConfig,
  augment: transforms.Transform | null,
): Promise<void> {
  manualSeed(config.seed);
  const backend = await chooseBackend(config);
  const normal = transforms.normalize([FASHION_MEAN], [FASHION_STD]);
  const augmentation = config.augment ? augment : null;
  const train: MnistDataset = loadFashionMnist({
    transform: augmentation ? transforms.compose(augmentation, normal) : normal,
  });
  const test = loadFashionMnist({ train: false, transform: normal });
  const data =
    config.limit > 0
      ? new Subset(
          train,
          Array.from({ length: config.limit }, (_, i) => i),
        )
      : train;
  const loader = new DataLoader(data, {
    batchSize: config.batch,
    shuffle: true,
    generator: new Generator(config.seed),
  });
  console.log(
    `${name}: ${data.length} training images, ${config.epochs} epochs, batch ${config.batch}, Adam lr ${config.lr}, ${augmentation ? 'augmented, ' : ''}backend ${backend}`,
  );
  console.log(model.toString());
  const optimizer = new optim.Adam(model.parameters(), { lr: config.lr });
  // Cosine decay of the learning rate to 0 over the run, stepped once per epoch.
  const scheduler = new optim.CosineAnnealingLR(optimizer, { TMax: config.epochs });
  let evalMs = 0;
  let evalCpu = 0;
  const testEachEpoch: Callback = {
    onEpochEnd: (epoch) => {
      const [t0, c0] = [performance.now(), process.cpuUsage()];
      const r = evaluate(model, test, { metrics: ['accuracy'], batchSize: 500 });
      const c = process.cpuUsage(c0);
      [evalMs, evalCpu] = [evalMs + performance.now() - t0, evalCpu + c.user + c.system];
      console.log(`  after epoch ${epoch + 1}: test accuracy ${(100 * r.accuracy).toFixed(2)}%`);
    },
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  fit(model, loader, {
    loss: nn.functional.crossEntropy,
    optimizer,
    scheduler,
    epochs: config.epochs,
    metrics: ['accuracy'],
    callbacks: config.testEachEpoch ? [testEachEpoch] : [],
    verbose: (line) => console.log(`${line}  [${((performance.now() - start - evalMs) / 1000).toFixed(0)} s]`),
  });
  const trainSeconds = (performance.now() - start - evalMs) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system - evalCpu) / 1e6;
  const result = evaluate(model, test, { loss: nn.functional.crossEntropy, metrics: ['accuracy'], batchSize: 500 });
  console.log(
    `test accuracy ${(100 * result.accuracy).toFixed(2)}%  test loss ${result.loss.toFixed(4)}  training wall time ${trainSeconds.toFixed(1)} s (${(trainSeconds / config.epochs).toFixed(1)} s/epoch), CPU time ${cpuSeconds.toFixed(1)} s`,
  );
  console.log(
    JSON.stringify({
      example: name,
      accuracy: result.accuracy,
      trainSeconds,
      cpuSeconds,
      epochs: config.epochs,
      batch: config.batch,
      backend,
    }),
  );
}
