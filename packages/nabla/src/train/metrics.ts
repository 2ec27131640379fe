import { OptionError, ShapeError } from '../tensor/errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** A metric on one batch: `(output, target) => value`, averaged over batches weighted by batch size. */
export type MetricFn = (output: Tensor, target: Tensor) => number;

/** A built-in metric by name, or a named custom one. */
export type MetricSpec = 'accuracy' | 'mse' | 'mae' | { name: string; fn: MetricFn };

function sameNumel(output: Tensor, target: Tensor, name: string): Tensor {
  if (output.numel() !== target.numel()) {
    throw new ShapeError(
      `${name}: output shape ${formatShape(output.shape)} and target shape ${formatShape(target.shape)} have different sizes`,
    );
  }
  // [N, 1] outputs against [N] targets must not broadcast to [N, N].
  return target.reshape(output.shape).to(output.dtype);
}

/** The exact fraction of true elements: a count (exact in float32 below 2^24) divided in double precision. */
function fractionTrue(hits: Tensor): number {
  return hits.to('float32').sum().item() / Math.max(1, hits.numel());
}

/**
 * Fraction of correct predictions. Multi-class: `output` holds scores `[N, C, ...]` (logits or
 * probabilities) and `target` int32 class indices `[N, ...]`; the prediction is the argmax over
 * dim 1. Binary: `output` and `target` have the same size; `output` is a probability, predicted
 * positive above `threshold` (0.5; use 0 for logits), `target` is 0/1.
 * @example
 * accuracy(tensor([[2, 1], [0, 3]]), tensor([0, 0], { dtype: 'int32' })); // 0.5
 */
export function accuracy(output: Tensor, target: Tensor, threshold = 0.5): number {
  return noGrad(() => {
    if (target.dtype === 'int32' && output.ndim === target.ndim + 1) {
      if (output.shape[0] !== target.shape[0] || output.shape.slice(2).join() !== target.shape.slice(1).join()) {
        throw new ShapeError(
          `accuracy: scores of shape ${formatShape(output.shape)} do not match class indices of shape ${formatShape(target.shape)} (expected [N, C, ...] and [N, ...])`,
        );
      }
      return fractionTrue(output.argmax(1).eq(target));
    }
    const t = sameNumel(output, target, 'accuracy');
    return fractionTrue(output.gt(threshold).eq(t.gt(0.5)));
  });
}

/** Mean squared error over all elements (output and target of equal size). */
export function mse(output: Tensor, target: Tensor): number {
  return noGrad(() =>
    output
      .sub(sameNumel(output, target, 'mse'))
      .square()
      .mean()
      .item(),
  );
}

/** Mean absolute error over all elements (output and target of equal size). */
export function mae(output: Tensor, target: Tensor): number {
  return noGrad(() =>
    output
      .sub(sameNumel(output, target, 'mae'))
      .abs()
      .mean()
      .item(),
  );
}

const BUILT_IN: Record<string, MetricFn> = { accuracy: (o, t) => accuracy(o, t), mse, mae };

/** The name and function of a metric spec. */
export function resolveMetric(spec: MetricSpec): { name: string; fn: MetricFn } {
  if (typeof spec !== 'string') return spec;
  const fn = BUILT_IN[spec];
  if (!fn)
    throw new OptionError(
      `unknown metric '${spec}'; expected one of ${Object.keys(BUILT_IN).join(', ')} or { name, fn }`,
    );
  return { name: spec, fn };
}
