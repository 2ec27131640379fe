/**
 * `nllLoss` and `crossEntropy` with PyTorch 1.13's semantics: class-index targets (with class
 * weights, `ignoreIndex` and label smoothing) or class-probability targets, inputs `[C]`,
 * `[N, C]` or `[N, C, d1, ...]`. Composed from logSoftmax, gather and elementwise ops.
 */
import { DTypeError, IndexError, OptionError, ShapeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { add, mul, neg, where } from '../../ops/elementwise.js';
import { gather } from '../../ops/indexing.js';
import { reshape, unsqueeze } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import { logSoftmax } from '../../ops/softmax.js';
import { allocate } from '../../tensor/dtype.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkFloating, checkReduction, type Reduction, type ReductionOptions } from './reduction.js';

export interface NLLLossOptions extends ReductionOptions {
  /** A weight per class (1-D, C elements); weighted means divide by the picked weights' sum. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, not even to the mean's denominator. Default -100. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mixes the target with the uniform distribution: `(1 − ε)·target + ε/C`. Default 0. */
  labelSmoothing?: number;
}

/** Per-target constants read from the labels: where to gather, and each element's weight. */
interface Picked {
  /** The log-probability of each element's target class (0 where ignored), target's shape. */
  logp: Tensor;
  /** The target class's weight, 0 where ignored (no gradient). */
  weights: Tensor;
  /** True where the target equals ignoreIndex. */
  ignored: Tensor;
}

const classDim = (input: Tensor): number => (input.ndim === 1 ? 0 : 1);

function checkWeight(weight: Tensor | null | undefined, classes: number, op: string): void {
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new ShapeError(
      `${op}: weight must be 1-D with one entry per class (${classes}), got shape ${formatShape(weight.shape)}`,
    );
  }
}

/** Checks class-index targets: int32, and the input's shape without its class dim. */
function checkClassTarget(input: Tensor, target: Tensor, op: string): void {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class dimension, got a 0-d tensor`);
  if (target.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: expected int32 class indices, got ${target.dtype} (target shape ${formatShape(target.shape)}, input shape ${formatShape(input.shape)}); pass probabilities with the input's shape, or convert labels with .int()`,
    );
  }
  const expected = input.shape.filter((_, i) => i !== classDim(input));
  if (!shapesEqual(expected, target.shape)) {
    throw new ShapeError(
      `${op}: input of shape ${formatShape(input.shape)} needs a target of shape ${formatShape(expected)}, got target shape ${formatShape(target.shape)}`,
    );
  }
}

/** Gathers each target's log-probability and weight, checking each index against C. */
function pickTargets(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, op: string): Picked {
  const dim = classDim(logp);
  const classes = logp.shape[dim];
  const labels = target.toTypedArray();
  const w = weight ? noGrad(() => weight.toTypedArray()) : null;
  const safe = new Int32Array(labels.length);
  const weights = allocate(logp.dtype, labels.length);
  const ignored = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (t === ignoreIndex) {
      ignored[i] = 1;
      continue;
    }
    if (t < 0 || t >= classes) {
      throw new IndexError(
        `${op}: target class index ${t} (element ${i}) is out of range for ${classes} classes (expected 0..${classes - 1}, or ignoreIndex ${ignoreIndex})`,
      );
    }
    safe[i] = t;
    weights[i] = w ? w[t] : 1;
  }
  const index = unsqueeze(Tensor.fromData(safe, target.shape), dim);
  const picked = reshape(gather(logp, dim, index), target.shape);
  return {
    logp: picked,
    weights: Tensor.fromData(weights, target.shape),
    ignored: Tensor.fromData(ignored, target.shape),
  };
}

/** `−w_t · logp_t` reduced; the weighted mean divides by the sum of the non-ignored weights. */
function nllFromPicked(p: Picked, reduction: Reduction): Tensor {
  const loss = neg(mul(p.logp, p.weights));
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  return sum(loss).div(sum(p.weights));
}

/**
 * Negative log-likelihood of class-index targets, given log-probabilities `input`
 * (`[C]`, `[N, C]` or `[N, C, d1, ...]`) and int32 `target` (`[]`, `[N]` or `[N, d1, ...]`).
 * @example
 * const logp = tensor([[0.1, 0.7, 0.2]]).log();
 * nllLoss(logp, tensor([1], { dtype: 'int32' })); // 0.3567
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  checkOptions('nllLoss', options, { reduction: true, weight: true, ignoreIndex: true });
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  checkReduction(reduction, 'nllLoss');
  checkFloating(input, 'input', 'nllLoss');
  checkClassTarget(input, target, 'nllLoss');
  checkWeight(weight, input.shape[classDim(input)], 'nllLoss');
  return nllFromPicked(pickTargets(input, target, weight, ignoreIndex, 'nllLoss'), reduction);
}

/** `weight` viewed as `[1, C, 1, ...]` to broadcast over the class dim of `input`. */
function classWeightView(weight: Tensor, input: Tensor): Tensor {
  return reshape(
    weight,
    input.shape.map((s, i) => (i === classDim(input) ? s : 1)),
  );
}

/** Cross entropy with class-probability targets (`target` has the input's shape). */
function probabilityTarget(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  smoothing: number,
): Tensor {
  const dim = classDim(logp);
  const classes = logp.shape[dim];
  const t = smoothing > 0 ? add(mul(target, 1 - smoothing), smoothing / classes) : target;
  const terms = weight ? mul(mul(logp, t), classWeightView(weight, logp)) : mul(logp, t);
  if (reduction === 'none') return neg(sum(terms, dim));
  if (reduction === 'sum') return neg(sum(terms));
  // The mean is over the N·d1·… positions, whatever the weights.
  return neg(sum(terms)).div(logp.numel() / classes);
}

/** PyTorch's label-smoothed class-index loss: `(1 − ε)·nll + ε/C · Σ_c −w_c logp_c`. */
function smoothedClassTarget(
  logp: Tensor,
  p: Picked,
  weight: Tensor | null,
  reduction: Reduction,
  smoothing: number,
): Tensor {
  const dim = classDim(logp);
  const classes = logp.shape[dim];
  const nll = nllFromPicked(p, reduction);
  const all = neg(sum(weight ? mul(logp, classWeightView(weight, logp)) : logp, dim));
  const smooth = where(p.ignored, 0, all);
  let reduced: Tensor;
  if (reduction === 'none') reduced = smooth;
  else if (reduction === 'sum') reduced = sum(smooth);
  else {
    // Divided by the same denominator as the nll term: picked weights (or count) of kept targets.
    reduced = sum(smooth).div(sum(p.weights));
  }
  return add(mul(nll, 1 - smoothing), mul(reduced, smoothing / classes));
}

/**
 * Cross entropy between logits `input` (`[C]`, `[N, C]` or `[N, C, d1, ...]`) and either int32
 * class indices (`[]`, `[N]` or `[N, d1, ...]`) or class probabilities of the input's shape;
 * `logSoftmax` + `nllLoss`, computed stably. Options as PyTorch 1.13's `cross_entropy`.
 * @example
 * const logits = tensor([[2, 0.5, -1], [0, 1, 3]]);
 * crossEntropy(logits, tensor([0, 2], { dtype: 'int32' })); // 0.2056
 * crossEntropy(logits, tensor([0, 2], { dtype: 'int32' }), { labelSmoothing: 0.1 }); // 0.3639
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', options, { reduction: true, weight: true, ignoreIndex: true, labelSmoothing: true });
  const { ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  const op = 'crossEntropy';
  checkReduction(reduction, op);
  checkFloating(input, 'input', op);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
    throw new OptionError(`${op}: labelSmoothing must be between 0.0 and 1.0, got ${labelSmoothing}`);
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class dimension, got a 0-d tensor`);
  checkWeight(options.weight, input.shape[classDim(input)], op);
  const logp = logSoftmax(input, classDim(input));
  const weight = options.weight ? options.weight.to(logp.dtype) : null; // no silent float64 upcast
  if (shapesEqual(input.shape, target.shape)) {
    if (target.dtype !== 'float32' && target.dtype !== 'float64') {
      throw new DTypeError(
        `${op}: a target with the input's shape ${formatShape(input.shape)} holds class probabilities and must be floating point, got ${target.dtype}`,
      );
    }
    if (ignoreIndex >= 0)
      throw new OptionError(`${op}: ignoreIndex is not supported for class-probability targets (got ${ignoreIndex})`);
    return probabilityTarget(logp, target, weight, reduction, labelSmoothing);
  }
  checkClassTarget(input, target, op);
  const picked = pickTargets(logp, target, weight, ignoreIndex, op);
  if (labelSmoothing > 0) return smoothedClassTarget(logp, picked, weight, reduction, labelSmoothing);
  return nllFromPicked(picked, reduction);
}
