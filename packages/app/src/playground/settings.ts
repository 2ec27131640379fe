/**
 * Every playground setting, and its place in the page's URL: a link carries the data (name,
 * seed, noise, split, clicked points), the network, the training options and the step count, so
 * opening it replays the same steps to the same weights.
 */
import { DATASETS, type DatasetName, MAX_CLASSES } from './data.js';
import {
  ACTIVATIONS,
  type Activation,
  type Feature,
  FEATURES,
  INITS,
  type InitName,
  LOSSES,
  type LossName,
  MAX_LAYERS,
  MAX_UNITS,
  type NetSettings,
  OPTIMIZERS,
  type OptimizerName,
} from './network.js';

export interface Settings extends NetSettings {
  data: DatasetName;
  /** Points drawn for a built-in set. */
  points: number;
  /** 0..0.5 */
  noise: number;
  /** Fraction of the points used for training (the rest is the test set). */
  trainFraction: number;
  /** Classes of gauss and spiral. */
  classes: number;
  dataSeed: number;
  /** Points added by clicking: x1, x2 (3 decimals) and class or value. */
  added: [number, number, number][];
  /** Optimizer steps to replay when the link is opened. */
  steps: number;
  /** The uploaded CSV a link was made with (its hash and row count), so the page can ask for it. */
  csv: string;
  backend: 'wasm' | 'js';
}

export const DEFAULTS: Settings = {
  data: 'circle',
  points: 400,
  noise: 0.1,
  trainFraction: 0.5,
  classes: 2,
  dataSeed: 0,
  added: [],
  features: ['x1', 'x2'],
  layers: [8, 8],
  activation: 'tanh',
  loss: 'ce',
  optimizer: 'adam',
  lr: 0.03,
  batch: 10,
  l1: 0,
  l2: 0,
  init: 'default',
  seed: 0,
  steps: 0,
  csv: '',
  backend: 'wasm',
};

const oneOf = <T extends string>(key: string, value: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`link parameter ${key}='${value}': expected one of ${allowed.join(', ')}`);
  return value as T;
};

const num = (key: string, value: string, min: number, max: number, integer = false): number => {
  const v = Number(value);
  if (value === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    throw new Error(
      `link parameter ${key}='${value}': expected ${integer ? 'a whole number' : 'a number'} in [${min}, ${max}]`,
    );
  return v;
};

/** Reads settings from a query string; unknown keys and bad values are errors naming the key. */
export function fromQuery(query: string): Settings {
  const s: Settings = { ...DEFAULTS, added: [], features: [...DEFAULTS.features], layers: [...DEFAULTS.layers] };
  for (const [key, value] of new URLSearchParams(query)) {
    switch (key) {
      case 'data':
        s.data = oneOf(key, value, DATASETS);
        break;
      case 'points':
        s.points = num(key, value, 20, 2000, true);
        break;
      case 'noise':
        s.noise = num(key, value, 0, 0.5);
        break;
      case 'train':
        s.trainFraction = num(key, value, 0.1, 0.9);
        break;
      case 'classes':
        s.classes = num(key, value, 2, MAX_CLASSES, true);
        break;
      case 'dataSeed':
        s.dataSeed = num(key, value, 0, 2 ** 31, true);
        break;
      case 'added':
        s.added = value
          ? value.split(';').map((p) => {
              const [a, b, c] = p.split(',').map(Number);
              if (![a, b, c].every(Number.isFinite) || Math.abs(a) > 1 || Math.abs(b) > 1)
                throw new Error(`link parameter added: '${p}' is not x1,x2,label inside [-1, 1]²`);
              return [a, b, c] as [number, number, number];
            })
          : [];
        break;
      case 'features':
        s.features = value ? value.split(',').map((f) => oneOf(key, f, FEATURES) as Feature) : [];
        break;
      case 'layers':
        s.layers = value ? value.split('-').map((w) => num(key, w, 1, MAX_UNITS, true)) : [];
        if (s.layers.length > MAX_LAYERS) throw new Error(`link parameter layers: at most ${MAX_LAYERS} hidden layers`);
        break;
      case 'act':
        s.activation = oneOf(key, value, ACTIVATIONS) as Activation;
        break;
      case 'loss':
        s.loss = oneOf(key, value, LOSSES) as LossName;
        break;
      case 'opt':
        s.optimizer = oneOf(key, value, OPTIMIZERS) as OptimizerName;
        break;
      case 'lr':
        s.lr = num(key, value, 1e-6, 10);
        break;
      case 'batch':
        s.batch = num(key, value, 1, 5000, true);
        break;
      case 'l1':
        s.l1 = num(key, value, 0, 1);
        break;
      case 'l2':
        s.l2 = num(key, value, 0, 1);
        break;
      case 'init':
        s.init = oneOf(key, value, INITS) as InitName;
        break;
      case 'seed':
        s.seed = num(key, value, 0, 2 ** 31, true);
        break;
      case 'steps':
        s.steps = num(key, value, 0, 1e7, true);
        break;
      case 'csv':
        s.csv = value;
        break;
      case 'backend':
        s.backend = oneOf(key, value, ['wasm', 'js'] as const);
        break;
      default:
        throw new Error(`link parameter '${key}' is not a playground setting`);
    }
  }
  return s;
}

/** The query string of settings (only what differs from the defaults, so links stay short). */
export function toQuery(s: Settings): string {
  const q = new URLSearchParams();
  const put = (key: string, value: string, fallback: string) => {
    if (value !== fallback) q.set(key, value);
  };
  const d = DEFAULTS;
  put('data', s.data, d.data);
  put('points', String(s.points), String(d.points));
  put('noise', String(s.noise), String(d.noise));
  put('train', String(s.trainFraction), String(d.trainFraction));
  put('classes', String(s.classes), String(d.classes));
  put('dataSeed', String(s.dataSeed), String(d.dataSeed));
  put('added', s.added.map((p) => p.join(',')).join(';'), '');
  put('features', s.features.join(','), d.features.join(','));
  put('layers', s.layers.join('-'), d.layers.join('-'));
  put('act', s.activation, d.activation);
  put('loss', s.loss, d.loss);
  put('opt', s.optimizer, d.optimizer);
  put('lr', String(s.lr), String(d.lr));
  put('batch', String(s.batch), String(d.batch));
  put('l1', String(s.l1), String(d.l1));
  put('l2', String(s.l2), String(d.l2));
  put('init', s.init, d.init);
  put('seed', String(s.seed), String(d.seed));
  put('steps', String(s.steps), String(d.steps));
  put('csv', s.csv, d.csv);
  put('backend', s.backend, d.backend);
  return q.toString();
}
