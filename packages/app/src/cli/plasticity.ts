/**
 * `nabla train --plasticity`: the library's `PlasticityMonitor` on a fixed probe batch, measured
 * after every epoch, and the diagnostics it adds to each epoch's record (dead units, effective
 * and stable rank per hidden layer, mean |weight|).
 */
import {
  noGrad,
  PlasticityMonitor,
  stack,
  type Callback,
  type Dataset,
  type EpochLogs,
  type nn,
  type TrainingContext,
} from 'nabla';

/** Most samples in the probe: enough for a stable rank estimate, small enough to measure each epoch in milliseconds. */
export const PROBE_SIZE = 256;

/** The diagnostics of one epoch, measured on the probe at its end. */
export interface PlasticityRecord {
  /** Fraction of units never positive on the probe, per hidden layer (in the model's order). */
  deadFraction: number[];
  /** Effective rank (Roy & Vetterli) of each hidden layer's features on the probe. */
  effectiveRank: number[];
  /** Stable rank (Σσ² / σ₁²) of each hidden layer's features on the probe. */
  stableRank: number[];
  /** Mean |weight| of the Linear and Conv2d weights, averaged over those layers. */
  meanAbsWeight: number;
}

/** The probe and the monitor of a run, plus what the report says about them. */
export interface PlasticityProbe {
  /** The `fit` callback: the library monitor, plus the per-layer dead fractions in the logs. */
  callback: Callback;
  monitor: PlasticityMonitor;
  samples: number;
  /** Which split the probe samples come from. */
  from: 'validation' | 'training';
}

/**
 * The first `size` samples of the validation split (the training split when there is no
 * validation): both are subsets in the seeded order of the run's split, so the same run options
 * always give the same probe, and a resumed run measures on the probe it started with.
 * @example
 * const probe = plasticityProbe(model, val, train, 'mlp:4-16-3'); // up to 256 validation samples
 */
export function plasticityProbe(
  model: nn.Module,
  val: Dataset,
  train: Dataset,
  modelOption: string,
  size = PROBE_SIZE,
): PlasticityProbe {
  const from = val.length > 0 ? 'validation' : 'training';
  const ds = val.length > 0 ? val : train;
  const samples = Math.min(size, ds.length);
  const probe = noGrad(() => stack(Array.from({ length: samples }, (_, i) => ds.getItem(i)[0])));
  let monitor: PlasticityMonitor;
  try {
    monitor = new PlasticityMonitor(model, { probe });
    // A model the monitor cannot read features from fails here, before any training.
    monitor.measure();
  } catch (e) {
    throw new Error(
      `--plasticity measures feed-forward stacks of Linear or Conv2d layers, each followed by an activation module (MLPs, lenet5); --model ${modelOption}: ${(e as Error).message}`,
    );
  }
  const callback: Callback = {
    onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainingContext) {
      monitor.onEpochEnd(epoch, logs, ctx);
      // The monitor logs the mean over hidden layers; the report charts each layer.
      const latest = monitor.reports[monitor.reports.length - 1];
      const logged = logs as Record<string, number>;
      latest.deadFraction.forEach((v, i) => {
        logged[`deadFraction${i}`] = v;
      });
      // Only the latest report is read; the older ones would pile up over a long run.
      monitor.reports.splice(0, monitor.reports.length - 1);
    },
  };
  return { callback, monitor, samples, from };
}

/** The diagnostics in an epoch's logs (from the probe's callback), or undefined when none were measured. */
export function plasticityOf(logs: EpochLogs): PlasticityRecord | undefined {
  const l = logs as Record<string, number>;
  if (l.effectiveRank0 === undefined || l.deadFraction0 === undefined || l.meanAbsWeight === undefined)
    return undefined;
  const layers: number[] = [];
  while (l[`effectiveRank${layers.length}`] !== undefined) layers.push(layers.length);
  return {
    deadFraction: layers.map((i) => l[`deadFraction${i}`]),
    effectiveRank: layers.map((i) => l[`effectiveRank${i}`]),
    stableRank: layers.map((i) => l[`stableRank${i}`]),
    meanAbsWeight: l.meanAbsWeight,
  };
}
