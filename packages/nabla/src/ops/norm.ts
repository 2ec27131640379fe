/**
 * Normalisation as one fused primitive over per-channel kernels: batch norm (per channel over
 * batch and space; running statistics updated in place outside the graph), and layer and group
 * norm (each row of a `[rows, D]` view, i.e. batch norm of `[1, rows, D]`, then the affine).
 */
import { DTypeError, OptionError, ShapeError } from '../tensor/errors.js';
import { compositeBackward } from '../autograd/engine.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import { getBackend } from '../backend/index.js';
import { allocate, isFloating, promoteTypes, type DType, type FloatArray } from '../tensor/dtype.js';
import { checkOptions } from '../tensor/options.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { denseData } from './conv.js';
import { add, cast, mul, rsqrt, sub } from './elementwise.js';
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

function checkChannelVector(t: Tensor | null | undefined, channels: number, name: string, x: Tensor): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== channels)) {
    throw new ShapeError(
      `batchNorm: ${name} has shape ${formatShape(t.shape)} but the input ${formatShape(x.shape)} has ${channels} channels (expected [${channels}])`,
    );
  }
}

/** Per-channel statistics batch norm normalises with, and the sizes of its `[outer, C, inner]` view. */
interface ChannelStats {
  mean: Float64Array;
  invstd: Float64Array;
  /** Added to the variance (batch statistics recomputed under createGraph use it). */
  eps: number;
  outer: number;
  channels: number;
  inner: number;
}

function channelValues(t: Tensor | null, channels: number, fill: number): Float64Array {
  return t ? Float64Array.from(t.detach().contiguous().toTypedArray()) : new Float64Array(channels).fill(fill);
}

/**
 * The fused primitive: y = (x − mean)·invstd·w + b in one pass; backward in two (per-channel
 * sums, then one affine pass). With batch statistics (M = outer·inner values per channel):
 *   dx = w·invstd·(dy − Σdy/M − (x − mean)·invstd²·Σ(dy·(x − mean))/M),
 *   dw = Σ dy·(x − mean)·invstd,   db = Σ dy.
 * With fixed (running) statistics the mean terms vanish: dx = w·invstd·dy.
 */
function batchNormPrimitive(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  st: ChannelStats,
  batchStats: boolean,
): Tensor {
  const { mean, invstd, outer, channels, inner } = st;
  const xd = denseData(x);
  const w = channelValues(weight, channels, 1);
  const b = channelValues(bias, channels, 0);
  const scale = w.map((wc, c) => wc * invstd[c]);
  const shift = b.map((bc, c) => bc - mean[c] * scale[c]);
  const out = allocate(x.dtype, x.numel()) as FloatArray;
  getBackend().channelAffine(xd, null, scale, scale, shift, out, outer, channels, inner);
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  return record(
    Tensor.fromData(out, x.shape),
    {
      name: 'batchNorm',
      attrs: { mean, invstd, eps: st.eps, hasWeight: weight !== null, hasBias: bias !== null, batchStats },
    },
    inputs,
    (gy) => {
      if (isGradEnabled())
        return compositeBackward(() => batchNormComposite(x, weight, bias, st, batchStats), inputs, gy);
      const dy = denseData(gy);
      const sumDy = new Float64Array(channels);
      const sumDyXc = new Float64Array(channels);
      getBackend().channelGradSums(dy, xd, mean, sumDy, sumDyXc, outer, channels, inner);
      const grads: (Tensor | null)[] = [];
      if (x.requiresGrad) {
        const m = outer * inner;
        const a = scale;
        const bx = batchStats
          ? scale.map((sc, c) => (-sc * invstd[c] * invstd[c] * sumDyXc[c]) / m)
          : new Float64Array(channels);
        const d = batchStats
          ? scale.map((sc, c) => (-sc * sumDy[c]) / m - bx[c] * mean[c])
          : new Float64Array(channels);
        const dx = allocate(x.dtype, x.numel()) as FloatArray;
        getBackend().channelAffine(dy, batchStats ? xd : null, a, bx, d, dx, outer, channels, inner);
        grads.push(Tensor.fromData(dx, x.shape));
      } else grads.push(null);
      if (weight)
        grads.push(
          weight.requiresGrad
            ? vector(
                sumDyXc.map((v, c) => v * invstd[c]),
                weight.dtype,
              )
            : null,
        );
      if (bias) grads.push(bias.requiresGrad ? vector(sumDy, bias.dtype) : null);
      return grads;
    },
    [x],
  );
}

/**
 * The primitive's forward written in recorded ops over the `[outer, C, inner]` view, for its rule
 * under createGraph: the statistics are recomputed from x (batch) or constants (running).
 */
function batchNormComposite(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  st: ChannelStats,
  batchStats: boolean,
): Tensor {
  const { outer, channels, inner, eps } = st;
  const x3 = reshape(x, [outer, channels, inner]);
  let xhat: Tensor;
  if (batchStats) {
    const centered = sub(x3, mean(x3, [0, 2], true));
    xhat = mul(centered, rsqrt(add(mean(mul(centered, centered), [0, 2], true), eps)));
  } else {
    const m = reshape(vector(st.mean, x.dtype), [1, channels, 1]);
    xhat = mul(sub(x3, m), reshape(vector(st.invstd, x.dtype), [1, channels, 1]));
  }
  if (weight) xhat = mul(xhat, reshape(weight, [1, channels, 1]));
  if (bias) xhat = add(xhat, reshape(bias, [1, channels, 1]));
  return reshape(xhat, x.shape);
}

function vector(values: Float64Array, dtype: DType): Tensor {
  const data = allocate(dtype, values.length);
  data.set(values);
  return Tensor.fromData(data, [values.length]);
}

/**
 * Batch normalisation like `torch.nn.functional.batch_norm` over `[N, C, ...]`. In training,
 * normalises with the batch's mean and biased variance and, when running buffers are given,
 * updates them in place with the unbiased variance (PyTorch's rule). Otherwise uses the running
 * statistics. One fused primitive (three kernels) rather than a chain of elementwise ops.
 * @example
 * const y = batchNorm(x, runningMean, runningVar, { training: true, momentum: 0.1 });
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  checkOptions('batchNorm', options, { weight: true, bias: true, training: true, momentum: true, eps: true });
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected input of shape [N, C, ...], got ${formatShape(x.shape)}`);
  if (!isFloating(x.dtype)) throw new DTypeError(`batchNorm: expected a floating point input, got ${x.dtype}`);
  const channels = x.shape[1];
  checkChannelVector(weight, channels, 'weight', x);
  checkChannelVector(bias, channels, 'bias', x);
  checkChannelVector(runningMean, channels, 'runningMean', x);
  checkChannelVector(runningVar, channels, 'runningVar', x);
  const outer = x.shape[0];
  const inner = x.numel() / Math.max(1, outer * channels);
  const count = outer * inner;
  let mean: Float64Array;
  let variance: Float64Array;
  if (training) {
    if (count <= 1)
      throw new ShapeError(
        `batchNorm: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`,
      );
    mean = new Float64Array(channels);
    variance = new Float64Array(channels);
    getBackend().channelMoments(denseData(x), mean, variance, outer, channels, inner);
    noGrad(() => {
      const m = Tensor.fromData(mean, [channels]);
      const v = Tensor.fromData(variance, [channels]);
      if (runningMean) runningMean.mul_(1 - momentum).add_(mul(m, momentum));
      if (runningVar) runningVar.mul_(1 - momentum).add_(mul(v, (momentum * count) / (count - 1)));
    });
  } else {
    if (!runningMean || !runningVar)
      throw new OptionError('batchNorm: running mean and variance are required when not training');
    mean = channelValues(runningMean, channels, 0);
    variance = channelValues(runningVar, channels, 1);
  }
  const invstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const dtype = promoteTypes(x.dtype, promoteTypes(weight?.dtype ?? x.dtype, bias?.dtype ?? x.dtype));
  const cw = weight ? cast(weight, dtype) : null;
  const cb = bias ? cast(bias, dtype) : null;
  return batchNormPrimitive(cast(x, dtype), cw, cb, { mean, invstd, eps, outer, channels, inner }, training);
}

/**
 * `x` viewed as `[rows, D]` with each row normalised to zero mean and unit (biased) variance:
 * each row is one "channel" of batch norm's `[1, rows, D]` view, so the same kernels and
 * gradient formula serve layer and group norm.
 */
function normalizeRows(x: Tensor, rows: number, D: number, eps: number): Tensor {
  const mean = new Float64Array(rows);
  const variance = new Float64Array(rows);
  if (rows * D > 0) getBackend().channelMoments(denseData(x), mean, variance, 1, rows, D);
  const invstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const xhat = batchNormPrimitive(
    reshape(x, [1, rows, D]),
    null,
    null,
    { mean, invstd, eps, outer: 1, channels: rows, inner: D },
    true,
  );
  return reshape(xhat, x.shape);
}

/**
 * Layer normalisation like `torch.nn.functional.layer_norm`: normalises over the trailing dims
 * given by `normalizedShape` (biased variance), then applies the optional elementwise affine.
 * @example
 * layerNorm(randn([4, 10, 32]), [32]).shape; // [4, 10, 32]
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], options: LayerNormOptions = {}): Tensor {
  checkOptions('layerNorm', options, { weight: true, bias: true, eps: true });
  const { weight = null, bias = null, eps = 1e-5 } = options;
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((s, i) => s !== normalizedShape[i])) {
    throw new ShapeError(
      `layerNorm: expected input of shape [*, ${normalizedShape.join(', ')}], got ${formatShape(x.shape)}`,
    );
  }
  for (const [t, name] of [
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t && formatShape(t.shape) !== formatShape(normalizedShape)) {
      throw new ShapeError(
        `layerNorm: ${name} has shape ${formatShape(t.shape)}, expected ${formatShape(normalizedShape)}`,
      );
    }
  }
  if (!isFloating(x.dtype)) throw new DTypeError(`layerNorm: expected a floating point input, got ${x.dtype}`);
  const D = normalizedShape.reduce((a, b) => a * b, 1);
  let y = normalizeRows(x, D === 0 ? 0 : x.numel() / D, D, eps);
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/**
 * Group normalisation like `torch.nn.functional.group_norm`: the channels of `[N, C, ...]` split
 * into `numGroups` groups, each (sample, group) normalised over its channels and positions,
 * then the optional per-channel affine. Independent of the batch size, unlike batch norm.
 * @example
 * groupNorm(randn([2, 32, 8, 8]), 8).shape; // [2, 32, 8, 8]
 */
export function groupNorm(x: Tensor, numGroups: number, options: LayerNormOptions = {}): Tensor {
  checkOptions('groupNorm', options, { weight: true, bias: true, eps: true });
  const { weight = null, bias = null, eps = 1e-5 } = options;
  if (x.ndim < 2) throw new ShapeError(`groupNorm: expected input of shape [N, C, ...], got ${formatShape(x.shape)}`);
  if (!isFloating(x.dtype)) throw new DTypeError(`groupNorm: expected a floating point input, got ${x.dtype}`);
  const [N, C] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new ShapeError(
      `groupNorm: ${C} channels (input ${formatShape(x.shape)}) cannot be split into ${numGroups} groups`,
    );
  }
  for (const [t, name] of [
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C))
      throw new ShapeError(`groupNorm: ${name} has shape ${formatShape(t.shape)}, expected [${C}]`);
  }
  const rows = N * numGroups;
  let y = normalizeRows(x, rows, rows === 0 ? 0 : x.numel() / rows, eps);
  const perChannel = [1, C, ...x.shape.slice(2).map(() => 1)];
  if (weight) y = mul(y, reshape(weight, perChannel));
  if (bias) y = add(y, reshape(bias, perChannel));
  return y;
}
