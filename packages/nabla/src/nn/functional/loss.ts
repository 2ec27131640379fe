/**
 * Regression, binary classification and KL-divergence losses, with PyTorch 1.13's formulas and defaults,
 * composed from primitive ops (gradients come from their rules).
 */
import { OptionError, ShapeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { abs, add, clamp, exp, gt, le, log, lt, mul, neg, sub, where } from '../../ops/elementwise.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkFloating, checkSameShape, reduce, type ReductionOptions } from './reduction.js';

/**
 * Mean squared error `(input − target)²`, reduced.
 * @example
 * mseLoss(tensor([1, 2]), tensor([1, 4])); // 2
 */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  checkOptions('mseLoss', options, { reduction: true });
  checkSameShape(input, target, 'mseLoss');
  checkFloating(input, 'input', 'mseLoss');
  const d = sub(input, target);
  return reduce(mul(d, d), options.reduction ?? 'mean', 'mseLoss');
}

/**
 * Mean absolute error `|input − target|`, reduced.
 * @example
 * l1Loss(tensor([1, 2]), tensor([1, 4])); // 1
 */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  checkOptions('l1Loss', options, { reduction: true });
  checkSameShape(input, target, 'l1Loss');
  checkFloating(input, 'input', 'l1Loss');
  return reduce(abs(sub(input, target)), options.reduction ?? 'mean', 'l1Loss');
}

/**
 * `0.5 z²/β` where `z = |input − target| < β`, else `z − 0.5β`; `β = 0` is the L1 loss.
 * @example
 * smoothL1Loss(tensor([0, 0]), tensor([0.5, 3])); // (0.125 + 2.5) / 2
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { beta?: number } = {},
): Tensor {
  checkOptions('smoothL1Loss', options, { reduction: true, beta: true });
  const { beta = 1, reduction = 'mean' } = options;
  if (beta < 0) throw new OptionError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  checkSameShape(input, target, 'smoothL1Loss');
  checkFloating(input, 'input', 'smoothL1Loss');
  const d = sub(input, target);
  if (beta === 0) return reduce(absWithNegativeSubgradient(input, target), reduction, 'smoothL1Loss');
  const z = abs(d);
  const loss = where(lt(z, beta), mul(mul(d, d), 0.5 / beta), sub(z, 0.5 * beta));
  return reduce(loss, reduction, 'smoothL1Loss');
}

/**
 * `|input − target|` for smoothL1 with β = 0. PyTorch 1.13's backward tests `u <= −β` first
 * (u = input − target for the input's gradient, target − input for the target's), so at u = 0
 * both get gradient −1; each side is differentiated through its own copy to reproduce that.
 */
function absWithNegativeSubgradient(input: Tensor, target: Tensor): Tensor {
  const side = (u: Tensor) => where(le(u, 0), neg(u), u);
  const viaInput = side(sub(input, target.detach()));
  const viaTarget = side(sub(target, input.detach()));
  return sub(add(viaInput, viaTarget), abs(sub(input, target)).detach()); // 2|d| − |d|, exact
}

/**
 * `0.5 z²` where `z = |input − target| < δ`, else `δ(z − 0.5δ)` (δ · smoothL1 with β = δ).
 * @example
 * huberLoss(tensor([0, 0]), tensor([0.5, 3]), { delta: 1 }); // (0.125 + 2.5) / 2
 */
export function huberLoss(input: Tensor, target: Tensor, options: ReductionOptions & { delta?: number } = {}): Tensor {
  checkOptions('huberLoss', options, { reduction: true, delta: true });
  const { delta = 1, reduction = 'mean' } = options;
  if (!(delta > 0)) throw new OptionError(`huberLoss: delta must be positive, got ${delta}`);
  checkSameShape(input, target, 'huberLoss');
  checkFloating(input, 'input', 'huberLoss');
  const d = sub(input, target);
  const z = abs(d);
  const loss = where(lt(z, delta), mul(mul(d, d), 0.5), mul(sub(z, 0.5 * delta), delta));
  return reduce(loss, reduction, 'huberLoss');
}

export interface BCEOptions extends ReductionOptions {
  /** Rescales each element's loss; broadcast against the input. */
  weight?: Tensor | null;
}

/**
 * `max(log v, −100)`, PyTorch's clamp that keeps BCE finite at 0 and 1. Zeros are swapped for
 * ones before the log so that its gradient is never 0/0 (the outer `where` discards them).
 */
function clampedLog(v: Tensor): Tensor {
  const positive = gt(v, 0);
  return where(positive, clamp(log(where(positive, v, 1)), -100), -100);
}

function checkProbabilities(input: Tensor): void {
  const data = input.detach().toTypedArray();
  for (let i = 0; i < data.length; i++) {
    if (!(data[i] >= 0 && data[i] <= 1)) {
      throw new ShapeError(
        `binaryCrossEntropy: all elements of input should be between 0 and 1, but element ${i} is ${data[i]} (apply sigmoid first, or use binaryCrossEntropyWithLogits)`,
      );
    }
  }
}

/**
 * Binary cross entropy on probabilities: `−w (t log x + (1 − t) log(1 − x))`, each log clamped
 * at −100 as in PyTorch.
 * @example
 * binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0])); // 0.1643
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  checkOptions(op, options, { reduction: true, weight: true });
  checkSameShape(input, target, op);
  checkFloating(input, 'input', op);
  checkProbabilities(input);
  let loss = neg(add(mul(target, clampedLog(input)), mul(sub(1, target), clampedLog(sub(1, input)))));
  if (options.weight) loss = mul(loss, options.weight.to(loss.dtype));
  return reduce(loss, options.reduction ?? 'mean', op);
}

export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive term per class (broadcast along the last dim), for imbalanced labels. */
  posWeight?: Tensor | null;
}

/**
 * Sigmoid followed by binary cross entropy, computed stably from the logits `x`:
 * `(1 − t) x + (1 + (p − 1) t) · log(1 + e^−x)` with `p` the `posWeight`, where
 * `log(1 + e^−x) = log(e^−m + e^−x−m) + m`, `m = max(−x, 0)` (PyTorch 1.13's form).
 * @example
 * binaryCrossEntropyWithLogits(tensor([2.2, -1.4]), tensor([1, 0])); // 0.1628
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BCEWithLogitsOptions = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptions(op, options, { reduction: true, weight: true, posWeight: true });
  checkSameShape(input, target, op);
  checkFloating(input, 'input', op);
  const m = clamp(neg(input), 0).detach(); // a constant shift: the total derivative does not depend on it
  const softplusNeg = add(log(add(exp(neg(m)), exp(sub(neg(input), m)))), m); // log(1 + e^−x)
  const logWeight = options.posWeight ? add(mul(sub(options.posWeight.to(input.dtype), 1), target), 1) : null;
  let loss = add(mul(sub(1, target), input), logWeight ? mul(logWeight, softplusNeg) : softplusNeg);
  if (options.weight) loss = mul(loss, options.weight.to(loss.dtype));
  return reduce(loss, options.reduction ?? 'mean', op);
}

export interface KLDivOptions {
  /** 'mean' (over all elements, PyTorch's default), 'batchmean' (sum / batch size), 'sum' or 'none'. */
  reduction?: 'none' | 'mean' | 'batchmean' | 'sum';
  /** Whether `target` holds log-probabilities. */
  logTarget?: boolean;
}

/**
 * KL divergence with `input` as log-probabilities: `target·(log target − input)` (0 where
 * target is 0), like `F.kl_div`.
 * @example
 * klDiv(tensor([[0.25, 0.75]]).log(), tensor([[0.5, 0.5]]), { reduction: 'batchmean' }); // 0.1438
 */
export function klDiv(input: Tensor, target: Tensor, options: KLDivOptions = {}): Tensor {
  checkOptions('klDiv', options, { reduction: true, logTarget: true });
  const { reduction = 'mean', logTarget = false } = options;
  const pointwise = logTarget
    ? target.exp().mul(target.sub(input))
    : where(target.gt(0), target.mul(where(target.gt(0), target, 1).log().sub(input)), 0);
  switch (reduction) {
    case 'none':
      return pointwise;
    case 'sum':
      return pointwise.sum();
    case 'mean':
      return pointwise.mean();
    case 'batchmean':
      return pointwise.sum().div(input.ndim === 0 ? 1 : input.shape[0]);
    default:
      throw new OptionError(
        `klDiv: '${String(reduction)}' is not a valid value for reduction (expected 'none', 'mean', 'batchmean' or 'sum')`,
      );
  }
}
