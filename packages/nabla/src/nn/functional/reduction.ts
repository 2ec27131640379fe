/** The `reduction` option shared by every loss, and the shape checks the losses share. */
import { DTypeError, OptionError, ShapeError } from '../../tensor/errors.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import '../../ops/methods.js'; // tensors get their op methods (see tensor/methods.ts)

/** How a loss combines its per-element values: kept as is, averaged, or summed. */
export type Reduction = 'none' | 'mean' | 'sum';

export interface ReductionOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/** Applies `reduction` to elementwise losses (the mean of no elements is NaN, as in PyTorch). */
export function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  checkReduction(reduction, op);
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

export function checkReduction(reduction: string, op: string): asserts reduction is Reduction {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw new OptionError(
      `${op}: '${reduction}' is not a valid value for reduction (expected 'none', 'mean' or 'sum')`,
    );
  }
}

/**
 * Elementwise losses need `target` of the input's shape. PyTorch only warns before
 * broadcasting them; nabla refuses, since a [N, 1] vs [N] mix silently computes an N×N loss.
 */
export function checkSameShape(input: Tensor, target: Tensor, op: string): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: target shape ${formatShape(target.shape)} differs from input shape ${formatShape(input.shape)}; they must be the same`,
    );
  }
}

export function checkFloating(t: Tensor, what: string, op: string): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(`${op}: expected a floating point ${what}, got ${t.dtype}`);
  }
}
