/**
 * More of `torch.nn.functional`'s activations (selu, celu, mish, hardswish, hardsigmoid,
 * softsign, softmin, glu, prelu, threshold) and `klDiv`, as composites of primitive ops with
 * PyTorch 1.13's formulas and defaults.
 */
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { where } from '../../ops/elementwise.js';
import { softmax } from '../../ops/softmax.js';

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

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
  if (alpha === 0) throw new RangeError('celu: alpha must not be 0');
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
  if (size % 2 !== 0) throw new Error(`glu: dimension ${dim} of shape ${formatShape(x.shape)} must have an even size, got ${size}`);
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
      throw new Error(`prelu: weight of ${n} elements needs an input with ${n} channels in dim 1, got shape ${formatShape(x.shape)}`);
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
      throw new Error(`klDiv: '${String(reduction)}' is not a valid value for reduction (expected 'none', 'mean', 'batchmean' or 'sum')`);
  }
}
