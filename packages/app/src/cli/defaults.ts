/** Constants the argument parser needs, kept free of heavy imports so `nabla --help` starts fast. */
import type { TrainConfig } from './checkpoint.js';

/** Defaults of `nabla train`: the bundled 8x8 digits, a small MLP, Adam; well under a minute. */
export const TRAIN_DEFAULTS: TrainConfig = {
  data: 'digits',
  model: 'auto',
  optimizer: 'adam',
  lr: 0.001,
  epochs: 30,
  batchSize: 32,
  patience: 5,
  seed: 0,
  valSplit: 0.1,
  testSplit: 0.2,
  out: 'runs/latest',
};

/** Built-in CSV data sets (in data/) and their target columns. */
export const BUILTIN_CSV: Record<string, { file: string; target: string }> = {
  iris: { file: 'iris.csv', target: 'species' },
  digits: { file: 'digits.csv', target: 'digit' },
};

/** The built-in data set names `--data` accepts. */
export const BUILTIN_DATA = [...Object.keys(BUILTIN_CSV), 'fashion-mnist'];

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
