/**
 * Activation functions with PyTorch 1.13's definitions, composed from primitive ops so their
 * gradients come from the primitives' rules. Branches that could overflow are fed a clamped
 * input: `where` sends a zero gradient to the branch it did not pick, and 0 · ∞ would be NaN.
 */
import { OptionError, ShapeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { formatShape } from '../../tensor/shape.js';
import {
  add,
  clamp,
  erf,
  exp,
  expm1,
  ge,
  gt,
  le,
  log1p,
  lt,
  sub,
  mul,
  relu as reluOp,
  sigmoid as sigmoidOp,
  tanh as tanhOp,
  where,
} from '../../ops/elementwise.js';
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from '../../ops/softmax.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * `max(0, x)`; the gradient at 0 is 0, as in PyTorch.
 * @example
 * relu(tensor([-1, 0, 2])); // [0, 0, 2]
 */
export function relu(x: Tensor): Tensor {
  return reluOp(x);
}

/**
 * `x` where `x > 0`, else `negativeSlope · x` (the gradient at 0 is `negativeSlope`, as in PyTorch).
 * @example
 * leakyRelu(tensor([-2, 3]), 0.1); // [-0.2, 3]
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(gt(x, 0), x, mul(x, negativeSlope));
}

/** `1 / (1 + e^-x)`. @example sigmoid(tensor([0])); // [0.5] */
export function sigmoid(x: Tensor): Tensor {
  return sigmoidOp(x);
}

/** Hyperbolic tangent. @example tanh(tensor([0])); // [0] */
export function tanh(x: Tensor): Tensor {
  return tanhOp(x);
}

/** `x · σ(x)` (also called swish). @example silu(tensor([0, 1])); // [0, 0.7311] */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoidOp(x));
}

export type GeluApproximate = 'none' | 'tanh';

/**
 * Gaussian error linear unit: `x · Φ(x) = x/2 · (1 + erf(x/√2))`, or with `approximate: 'tanh'`
 * PyTorch's `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`.
 * @example
 * gelu(tensor([1])); // [0.8413]
 * gelu(tensor([1]), { approximate: 'tanh' }); // [0.8412]
 */
export function gelu(x: Tensor, options: { approximate?: GeluApproximate } = {}): Tensor {
  checkOptions('gelu', options, { approximate: true });
  const { approximate = 'none' } = options;
  if (approximate === 'none') return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
  if (approximate !== 'tanh')
    throw new OptionError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  const cube = mul(mul(x, x), x);
  const inner = mul(add(x, mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanhOp(inner), 1));
}

/**
 * `x` where `x > 0`, else `alpha · (e^x − 1)`.
 * @example
 * elu(tensor([-1, 2])); // [-0.6321, 2]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  return where(gt(x, 0), x, mul(expm1(clamp(x, null, 0)), alpha));
}

/**
 * `log(1 + e^{βx}) / β`, reverting to `x` where `βx > threshold` (for stability, as PyTorch).
 * @example
 * softplus(tensor([0])); // [0.6931]
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const bx = mul(x, beta);
  const smooth = mul(log1p(exp(clamp(bx, null, threshold))), 1 / beta);
  return where(gt(bx, threshold), x, smooth);
}

/**
 * Clamps to `[minVal, maxVal]`; like PyTorch, the gradient is 0 at the bounds themselves.
 * @example
 * hardtanh(tensor([-3, 0.5, 3])); // [-1, 0.5, 1]
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (minVal > maxVal) throw new OptionError(`hardtanh: minVal (${minVal}) must not exceed maxVal (${maxVal})`);
  return where(le(x, minVal), minVal, where(ge(x, maxVal), maxVal, x));
}

/** `min(max(0, x), 6)` (PyTorch computes it as `hardtanh(x, 0, 6)`). @example relu6(tensor([-1, 7])); // [0, 6] */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/**
 * The dim PyTorch picks when softmax is called without one (deprecated there): 0 for 0-, 1- and
 * 3-D inputs, else 1.
 */
export function implicitSoftmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * Softmax along `dim` (entries are positive and sum to 1 along it).
 * @example
 * softmax(tensor([[1, 2, 3]]), 1); // [[0.0900, 0.2447, 0.6652]]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim);
}

/** `log(softmax(x, dim))`, computed as `x − logsumexp(x, dim)`. @example logSoftmax(tensor([0, 0]), 0); // [-0.6931, -0.6931] */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return logSoftmaxOp(x, dim);
}

/**
 * `log σ(x)`, as PyTorch computes it: `x − log(1 + e^x)` for x < 0, else `−log(1 + e^−x)`.
 * @example
 * logSigmoid(tensor([0])); // [-0.6931]
 */
export function logSigmoid(x: Tensor): Tensor {
  const neg = clamp(x, null, 0);
  const pos = clamp(x, 0, null);
  return where(lt(x, 0), sub(neg, log1p(exp(neg))), mul(log1p(exp(mul(pos, -1))), -1));
}

// PyTorch's constants (1.6732632423543772848…, 1.0507009873554804934…) to the nearest double.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** max(0, x) + min(0, α(eˣ − 1)) for x of any sign (computed on the clamped value to avoid overflow). */
function eluCore(x: Tensor, alpha: number, inner = 1): Tensor {
  return where(x.gt(0), x, x.clamp(null, 0).div(inner).expm1().mul(alpha));
}

/**
 * `scale·(max(0,x) + min(0, α(eˣ−1)))` with PyTorch's fixed α and scale.
 * @example
 * selu(tensor([1])); // [1.0507]
 */
export function selu(x: Tensor): Tensor {
  return eluCore(x, SELU_ALPHA).mul(SELU_SCALE);
}

/**
 * `max(0,x) + min(0, α(e^{x/α} − 1))`.
 * @example
 * celu(tensor([-1]), 2); // [-0.7869]
 */
export function celu(x: Tensor, alpha = 1): Tensor {
  if (alpha === 0) throw new OptionError('celu: alpha must not be 0');
  return eluCore(x, alpha, alpha);
}

/**
 * `x·tanh(softplus(x))` (softplus computed stably as log1p(e^{−|x|}) + max(x, 0)).
 * @example
 * mish(tensor([1])); // [0.8651]
 */
export function mish(x: Tensor): Tensor {
  const softplus = x.abs().neg().exp().log1p().add(x.relu());
  return x.mul(softplus.tanh());
}

/**
 * `x·relu6(x + 3)/6`.
 * @example
 * hardswish(tensor([-4, 1, 4])); // [0, 0.6667, 4]
 */
export function hardswish(x: Tensor): Tensor {
  return x.mul(x.add(3).clamp(0, 6)).div(6);
}

/**
 * `relu6(x + 3)/6`.
 * @example
 * hardsigmoid(tensor([-4, 0, 4])); // [0, 0.5, 1]
 */
export function hardsigmoid(x: Tensor): Tensor {
  return x.add(3).clamp(0, 6).div(6);
}

/**
 * `x / (1 + |x|)`.
 * @example
 * softsign(tensor([-1, 3])); // [-0.5, 0.75]
 */
export function softsign(x: Tensor): Tensor {
  return x.div(x.abs().add(1));
}

/**
 * `softmax(−x)` along `dim`.
 * @example
 * softmin(tensor([0, 0]), 0); // [0.5, 0.5]
 */
export function softmin(x: Tensor, dim: number): Tensor {
  return softmax(x.neg(), dim);
}

/**
 * Splits `dim` in halves a, b and returns `a·σ(b)`, like `F.glu`.
 * @example
 * glu(tensor([1, 0])); // [0.5]
 */
export function glu(x: Tensor, dim = -1): Tensor {
  const size = x.size(dim);
  if (size % 2 !== 0)
    throw new ShapeError(`glu: dimension ${dim} of shape ${formatShape(x.shape)} must have an even size, got ${size}`);
  const [a, b] = x.chunk(2, dim);
  return a.mul(b.sigmoid());
}

/**
 * `max(0,x) + weight·min(0,x)`, `weight` of 1 or C elements (C = x's dim 1), like `F.prelu`.
 * @example
 * prelu(tensor([-2, 2]), tensor([0.25])); // [-0.5, 2]
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  const n = weight.numel();
  let w = weight;
  if (n !== 1) {
    if (x.ndim < 2 || x.shape[1] !== n) {
      throw new ShapeError(
        `prelu: weight of ${n} elements needs an input with ${n} channels in dim 1, got shape ${formatShape(x.shape)}`,
      );
    }
    w = weight.reshape([n, ...Array<number>(x.ndim - 2).fill(1)]);
  }
  return where(x.gt(0), x, x.mul(w));
}

/**
 * `x` where x > threshold, else `value`.
 * @example
 * threshold(tensor([0.2, 0.7]), 0.5, -1); // [-1, 0.7]
 */
export function threshold(x: Tensor, thresholdValue: number, value: number): Tensor {
  return where(x.gt(thresholdValue), x, value);
}
