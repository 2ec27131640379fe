import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { noGrad } from '../autograd/grad-mode.js';
import { DataLoader } from '../data/dataloader.js';
import { TensorDataset, type Dataset } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { cat } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import { resolveMetric, type MetricSpec } from './metrics.js';

/** Training or evaluation data: `[inputs..., target]` tensors, a `Dataset`, or a ready `DataLoader`. */
export type Data = readonly Tensor[] | Dataset | DataLoader;

/** A loss: a function `(output, target) => scalar` (e.g. `nn.functional.crossEntropy`) or a loss module. */
export type Loss = ((output: Tensor, target: Tensor) => Tensor) | Module;

/** Calls the loss, whichever form it has. */
export function computeLoss(loss: Loss, output: Tensor, target: Tensor): Tensor {
  return typeof loss === 'function' ? loss(output, target) : loss.forward(output, target);
}

/** `data` as a Dataset (tensors are wrapped in a TensorDataset). */
export function asDataset(data: readonly Tensor[] | Dataset): Dataset {
  return Array.isArray(data) ? new TensorDataset(...(data as Tensor[])) : (data as Dataset);
}

/** `data` as batches (a DataLoader passes through). */
export function asLoader(data: Data, batchSize: number): DataLoader {
  if (data instanceof DataLoader) return data;
  return new DataLoader(asDataset(data as readonly Tensor[] | Dataset), { batchSize });
}

/** Splits a batch into model inputs and target (the last tensor). */
export function splitBatch(batch: Tensor[]): { inputs: Tensor[]; target: Tensor } {
  if (batch.length < 2)
    throw new OptionError(
      `a training batch needs inputs and a target (the last tensor), but it has ${batch.length} tensor(s)`,
    );
  return { inputs: batch.slice(0, -1), target: batch[batch.length - 1] };
}

export interface EvaluateOptions {
  loss?: Loss;
  metrics?: readonly MetricSpec[];
  /** Batch size when `data` is not a DataLoader (default 256). */
  batchSize?: number;
}

/** Runs `fn` with `model` in eval mode and no gradient recording, then restores its mode. */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Loss and metrics of `model` on held-out data, in eval mode under `noGrad`. Values are means
 * over samples (batches weighted by their size).
 * @example
 * const { loss, accuracy } = evaluate(model, [xTest, yTest], { loss: F.crossEntropy, metrics: ['accuracy'] });
 */
export function evaluate(model: Module, data: Data, options: EvaluateOptions = {}): Record<string, number> {
  checkOptions('evaluate', options, { loss: true, metrics: true, batchSize: true });
  const metrics = (options.metrics ?? []).map(resolveMetric);
  const totals: Record<string, number> = {};
  let count = 0;
  inEvalMode(model, () => {
    for (const batch of asLoader(data, options.batchSize ?? 256)) {
      const { inputs, target } = splitBatch(batch);
      const output = model.forward(...inputs);
      const n = target.shape[0] ?? 1;
      const add = (name: string, v: number) => (totals[name] = (totals[name] ?? 0) + v * n);
      if (options.loss) add('loss', computeLoss(options.loss, output, target).item());
      for (const m of metrics) add(m.name, m.fn(output, target));
      count += n;
    }
  });
  if (count === 0) throw new OptionError('evaluate: the data is empty');
  return Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / count]));
}

/**
 * The model's outputs for `inputs` (one tensor, or several for a multi-input model), computed
 * in batches in eval mode under `noGrad` and concatenated.
 * @example
 * const probs = predict(model, xTest).softmax(1);
 */
export function predict(
  model: Module,
  inputs: Tensor | readonly Tensor[],
  options: { batchSize?: number } = {},
): Tensor {
  checkOptions('predict', options, { batchSize: true });
  const xs = Array.isArray(inputs) ? (inputs as Tensor[]) : [inputs as Tensor];
  const loader = new DataLoader(new TensorDataset(...xs), { batchSize: options.batchSize ?? 256 });
  return inEvalMode(model, () =>
    cat(
      [...loader].map((batch) => model.forward(...batch)),
      0,
    ),
  );
}
