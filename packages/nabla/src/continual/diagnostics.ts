/**
 * Plasticity diagnostics: dead units, effective rank (Roy & Vetterli), stable rank, mean |weight|
 * per layer, as functions on a batch of features and as a `fit` callback.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import { Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { denseRead, denseView } from '../optim/dense.js';
import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Callback, TrainingContext } from '../train/callbacks.js';
import type { EpochLogs } from '../train/history.js';
import { FeatureTap, featureView, hiddenLayers, type HiddenLayer } from './hidden-layers.js';

function asMatrix(features: Tensor, what: string): Tensor {
  if (features.ndim < 2)
    throw new Error(`${what}: expected features [samples, units, ...], got shape [${features.shape.join(', ')}]`);
  return features.detach().reshape(features.shape[0], -1).to('float64');
}

/**
 * The singular values of `features` as a `[samples, rest]` matrix, largest first, from the
 * eigenvalues of its smaller Gram matrix.
 * @example
 * singularValues(tensor([[3, 0], [0, 4]])); // [4, 3]
 */
export function singularValues(features: Tensor): number[] {
  const x = asMatrix(features, 'singularValues');
  const [n, d] = x.shape;
  const gram = noGrad(() => (n >= d ? x.t().matmul(x) : x.matmul(x.t())).contiguous().clone());
  const size = Math.min(n, d);
  const eig = new Float64Array(size);
  getBackend().units.symmetricEigenvalues(denseView(gram) as Float64Array, size, eig);
  return Array.from(eig, (v) => Math.sqrt(Math.max(v, 0)));
}

/**
 * Effective rank (Roy & Vetterli, 2007): exp of the entropy of the normalised singular values,
 * p_k = σ_k / Σσ. Between 1 and the matrix's rank; 0 for an all-zero matrix.
 * @example
 * effectiveRank(eye(4)); // 4
 */
export function effectiveRank(features: Tensor): number {
  const s = singularValues(features);
  const total = s.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let entropy = 0;
  for (const v of s) {
    const p = v / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/**
 * Stable rank: Σσ² / σ₁² (the squared Frobenius norm over the squared spectral norm); 0 for an all-zero matrix.
 * @example
 * stableRank(tensor([[1, 0], [0, 1]])); // 2
 */
export function stableRank(features: Tensor): number {
  const s = singularValues(features);
  if (s.length === 0 || s[0] === 0) return 0;
  return s.reduce((a, b) => a + b * b, 0) / (s[0] * s[0]);
}

/**
 * The fraction of units (dimension 1 of `[samples, units, ...]`) that are never positive on
 * these samples: dead ReLU units.
 * @example
 * deadUnitFraction(tensor([[0, 1], [0, 2]])); // 0.5
 */
export function deadUnitFraction(features: Tensor): number {
  if (features.ndim < 2)
    throw new Error(
      `deadUnitFraction: expected features [samples, units, ...], got shape [${features.shape.join(', ')}]`,
    );
  const units = features.shape[1];
  const active = new Uint8Array(units);
  getBackend().units.markActive(
    denseRead(features.detach()),
    features.shape[0],
    units,
    features.numel() / (features.shape[0] * units),
    active,
  );
  return (units - active.reduce((a, b) => a + b, 0)) / units;
}

/**
 * Mean |weight| of every `Linear` and `Conv2d` weight of `model`, by parameter name.
 * @example
 * meanAbsWeight(new nn.Sequential(new nn.Linear(2, 2))); // { '0.weight': 0.4… }
 */
export function meanAbsWeight(model: Module): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, m] of model.namedModules()) {
    if (m instanceof Linear || m instanceof Conv2d)
      out[name ? `${name}.weight` : 'weight'] = noGrad(() => m.weight.abs().mean().item());
  }
  return out;
}

/** The diagnostics of one measurement: per hidden layer, plus mean |weight| per weight layer. */
export interface PlasticityReport {
  /** Optimizer steps seen when measured. */
  step: number;
  deadFraction: number[];
  effectiveRank: number[];
  stableRank: number[];
  meanAbsWeight: Record<string, number>;
}

/** Options of `PlasticityMonitor`. */
export interface PlasticityMonitorOptions {
  /** Inputs the features are measured on (e.g. 2,000 held-out samples). */
  probe: Tensor;
  /** Measure every this many optimizer steps (default: only at the end of each epoch). */
  every?: number;
}

/**
 * Measures plasticity on a fixed probe batch: each hidden layer's dead-unit fraction, effective
 * and stable rank, and every layer's mean |weight|. Used by hand (`measure()`) or as a `fit`
 * callback, which records a report every `every` steps and adds the latest values to each
 * epoch's logs (`deadFraction`, `effectiveRank0`, `stableRank0`, … `meanAbsWeight`), so they are
 * plotted next to the loss.
 * @example
 * const monitor = new PlasticityMonitor(net, { probe: xTest.slice(0, 0, 500) });
 * monitor.measure().effectiveRank; // one number per hidden layer
 */
export class PlasticityMonitor implements Callback {
  readonly reports: PlasticityReport[] = [];
  readonly layers: readonly HiddenLayer[];
  private steps = 0;
  private readonly every: number;

  constructor(
    readonly model: Module,
    private readonly options: PlasticityMonitorOptions,
  ) {
    checkOptions('PlasticityMonitor', options, { probe: true, every: true });
    if (!options?.probe) throw new OptionError('PlasticityMonitor: the probe option (a batch of inputs) is required');
    this.every = options.every ?? 0;
    if (!(Number.isInteger(this.every) && this.every >= 0))
      throw new OptionError(`PlasticityMonitor: every must be an integer ≥ 0, got ${options.every}`);
    this.layers = hiddenLayers(model);
    this.layers.forEach((l, i) => {
      if (!l.activation)
        throw new OptionError(`PlasticityMonitor: hidden layer ${i} has no activation module to read features from`);
    });
  }

  /** Runs the probe through the model (eval mode, no gradients) and measures every diagnostic. */
  measure(): PlasticityReport {
    const tap = new FeatureTap(this.layers);
    const wasTraining = this.model.training;
    this.model.train(false);
    try {
      noGrad(() => this.model.forward(this.options.probe));
    } finally {
      this.model.train(wasTraining);
      tap.release();
    }
    const feats = tap.features.map((f, i) => {
      if (!f) throw new Error(`PlasticityMonitor: hidden layer ${i} produced no features on the probe`);
      featureView(f, this.layers[i], i);
      return f;
    });
    const report: PlasticityReport = {
      step: this.steps,
      deadFraction: feats.map((f) => deadUnitFraction(f)),
      effectiveRank: feats.map((f) => effectiveRank(f)),
      stableRank: feats.map((f) => stableRank(f)),
      meanAbsWeight: meanAbsWeight(this.model),
    };
    return report;
  }

  /** `fit` callback: counts steps and measures every `every` of them. */
  onBatchEnd(): void {
    this.steps++;
    if (this.every > 0 && this.steps % this.every === 0) this.reports.push(this.measure());
  }

  /** `fit` callback: adds the diagnostics to the epoch's logs. */
  onEpochEnd(_epoch: number, logs: EpochLogs, _ctx: TrainingContext): void {
    const r = this.measure();
    if (this.every === 0) this.reports.push(r);
    const logged = logs as Record<string, number>;
    logged.deadFraction = r.deadFraction.reduce((a, b) => a + b, 0) / r.deadFraction.length;
    r.effectiveRank.forEach((v, i) => {
      logged[`effectiveRank${i}`] = v;
    });
    r.stableRank.forEach((v, i) => {
      logged[`stableRank${i}`] = v;
    });
    const w = Object.values(r.meanAbsWeight);
    logged.meanAbsWeight = w.reduce((a, b) => a + b, 0) / w.length;
  }
}
