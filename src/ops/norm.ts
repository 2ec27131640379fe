/**
 * Normalisation as compositions of primitives (mean, sub, mul, rsqrt), so their gradients come
 * from those ops' rules: batch norm (per channel over batch and space) and layer norm (over the
 * trailing dims). Running statistics are updated in place outside the graph.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, mul, reciprocal, sqrt, sub } from './elementwise.js';
import { reshape } from './movement.js';
import { mean } from './reduce.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics (and update the running ones when given); else use the running ones. */
  training?: boolean;
  /** Weight of the new batch in the running averages: `r ← (1 − m)·r + m·batch`. */
  momentum?: number;
  eps?: number;
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** Mean and biased variance over `dims` (keepdim), from the centered values. */
function moments(x: Tensor, dims: number[]): { mu: Tensor; centered: Tensor; variance: Tensor } {
  const mu = mean(x, dims, true);
  const centered = sub(x, mu);
  return { mu, centered, variance: mean(mul(centered, centered), dims, true) };
}

function checkChannelVector(t: Tensor | null | undefined, channels: number, name: string, x: Tensor): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== channels)) {
    throw new Error(`batchNorm: ${name} has shape ${formatShape(t.shape)} but the input ${formatShape(x.shape)} has ${channels} channels (expected [${channels}])`);
  }
}

/**
 * Batch normalisation like `torch.nn.functional.batch_norm` over `[N, C, ...]`. In training,
 * normalises with the batch's mean and biased variance and, when running buffers are given,
 * updates them in place with the unbiased variance (PyTorch's rule). Otherwise uses the running
 * statistics.
 * @example
 * const y = batchNorm(x, runningMean, runningVar, { training: true, momentum: 0.1 });
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (x.ndim < 2) throw new Error(`batchNorm: expected input of shape [N, C, ...], got ${formatShape(x.shape)}`);
  const channels = x.shape[1];
  checkChannelVector(weight, channels, 'weight', x);
  checkChannelVector(bias, channels, 'bias', x);
  checkChannelVector(runningMean, channels, 'runningMean', x);
  checkChannelVector(runningVar, channels, 'runningVar', x);
  const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const perChannel = [1, channels, ...x.shape.slice(2).map(() => 1)];
  let y: Tensor;
  if (training) {
    const count = x.numel() / channels;
    if (count <= 1) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
    const { mu, centered, variance } = moments(x, dims);
    y = mul(centered, reciprocal(sqrt(add(variance, eps))));
    noGrad(() => {
      if (runningMean) runningMean.mul_(1 - momentum).add_(mul(reshape(mu, [channels]), momentum));
      if (runningVar) runningVar.mul_(1 - momentum).add_(mul(reshape(variance, [channels]), (momentum * count) / (count - 1)));
    });
  } else {
    if (!runningMean || !runningVar) throw new Error('batchNorm: running mean and variance are required when not training');
    y = mul(sub(x, reshape(runningMean, perChannel)), reciprocal(sqrt(add(reshape(runningVar, perChannel), eps))));
  }
  if (weight) y = mul(y, reshape(weight, perChannel));
  if (bias) y = add(y, reshape(bias, perChannel));
  return y;
}

/**
 * Layer normalisation like `torch.nn.functional.layer_norm`: normalises over the trailing dims
 * given by `normalizedShape` (biased variance), then applies the optional elementwise affine.
 * @example
 * layerNorm(randn([4, 10, 32]), [32]).shape; // [4, 10, 32]
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], options: LayerNormOptions = {}): Tensor {
  const { weight = null, bias = null, eps = 1e-5 } = options;
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((s, i) => s !== normalizedShape[i])) {
    throw new Error(`layerNorm: expected input of shape [*, ${normalizedShape.join(', ')}], got ${formatShape(x.shape)}`);
  }
  for (const [t, name] of [[weight, 'weight'], [bias, 'bias']] as const) {
    if (t && formatShape(t.shape) !== formatShape(normalizedShape)) {
      throw new Error(`layerNorm: ${name} has shape ${formatShape(t.shape)}, expected ${formatShape(normalizedShape)}`);
    }
  }
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const { centered, variance } = moments(x, dims);
  let y = mul(centered, reciprocal(sqrt(add(variance, eps))));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}
