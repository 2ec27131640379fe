/**
 * Convolution as one primitive: im2col unfolds the input, then one GEMM per group multiplies by
 * the weight. With Y = W·cols (per image and group) the backward pass is
 *   dW = Σₙ dY·colsᵀ,   dcols = Wᵀ·dY → col2im → dX,   db = Σ dY over batch and positions.
 * The forward keeps the columns for dW when they are small enough (k² times the input's memory,
 * bounded in conv-gemm.ts) and hands them back after the backward; larger ones are recomputed.
 */
import { DTypeError, OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { exclusiveGrad, record } from '../autograd/graph.js';
import { allocate, isFloating, promoteTypes, type FloatArray } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import {
  biasGrad,
  convForward,
  convInputGrad,
  convWeightGrad,
  keepCols,
  releaseCols,
  type ConvGeometry,
} from './conv-gemm.js';
import { cast } from './elementwise.js';
import { squeeze, unsqueeze } from './movement.js';
import { sum } from './reduce.js';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding on both sides, or 'valid' (none) or 'same' (output size = input size, stride 1 only). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
}

/** `n` or `[h, w]` as a checked pair of positive (or, with `allowZero`, non-negative) integers. */
export function pair(v: Pair, name: string, op: string, allowZero = false): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((x) => !Number.isInteger(x) || x < (allowZero ? 0 : 1))) {
    throw new OptionError(
      `${op}: ${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return p;
}

/** The elements of `t` in row-major order as a dense array (a view when `t` is contiguous). */
export function denseData(t: Tensor): FloatArray {
  const c = t.detach().contiguous();
  return c.storage.data.subarray(c.offset, c.offset + c.numel()) as FloatArray;
}

/** A new tensor shaped like `like`, its storage filled by `fill` (a kernel writing gradients). */
export function filledLike(like: Tensor, dtype: Tensor['dtype'], fill: (out: FloatArray) => void): Tensor {
  const out = Tensor.fromData(allocate(dtype, like.numel()), like.shape);
  if (out.numel() > 0) fill(out.storage.data as FloatArray);
  return out;
}

/** Padding before the input and output size along one spatial dim. */
function spatial(
  size: number,
  k: number,
  stride: number,
  pad: number | 'same',
  dilation: number,
): { pad: number; out: number } {
  const span = dilation * (k - 1) + 1;
  // 'same' pads dilation·(k−1) in total, the odd one on the bottom/right, as PyTorch does.
  if (pad === 'same') return { pad: Math.floor((span - 1) / 2), out: size };
  return { pad, out: Math.floor((size + 2 * pad - span) / stride) + 1 };
}

/** Checks conv2d's arguments and works out its window; errors name the shapes involved. */
export function geometry(x: Tensor, weight: Tensor, options: Conv2dOptions): ConvGeometry {
  const op = 'conv2d';
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new OptionError(`${op}: groups must be a positive integer, got ${groups}`);
  if (weight.ndim !== 4)
    throw new ShapeError(
      `${op}: expected a weight of shape [outChannels, inChannels / groups, kH, kW], got ${formatShape(weight.shape)}`,
    );
  const [outChannels, inPerGroup, kernelH, kernelW] = weight.shape;
  const channels = inPerGroup * groups;
  if (x.ndim !== 4 || x.shape[1] !== channels) {
    throw new ShapeError(
      `${op}: expected input of shape [N, C, H, W] with C = ${channels} (weight ${formatShape(weight.shape)}, groups ${groups}), got ${formatShape(x.shape)}`,
    );
  }
  if (outChannels % groups !== 0)
    throw new ShapeError(`${op}: outChannels ${outChannels} must be divisible by groups ${groups}`);
  const [strideH, strideW] = pair(options.stride ?? 1, 'stride', op);
  const [dilationH, dilationW] = pair(options.dilation ?? 1, 'dilation', op);
  const padding = options.padding ?? 0;
  if (padding === 'same' && (strideH !== 1 || strideW !== 1))
    throw new ShapeError(
      `${op}: padding='same' is not supported for strided convolutions (stride ${strideH}x${strideW})`,
    );
  const [ph, pw] =
    padding === 'same' ? (['same', 'same'] as const) : pair(padding === 'valid' ? 0 : padding, 'padding', op, true);
  const [batch, , height, width] = x.shape;
  const h = spatial(height, kernelH, strideH, ph, dilationH);
  const w = spatial(width, kernelW, strideW, pw, dilationW);
  if (h.out < 1 || w.out < 1) {
    throw new ShapeError(
      `${op}: input of spatial size ${height}x${width} (padding ${h.pad}x${w.pad}) is smaller than the dilated kernel ${dilationH * (kernelH - 1) + 1}x${dilationW * (kernelW - 1) + 1}`,
    );
  }
  return {
    batch,
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    dilationH,
    dilationW,
    padH: h.pad,
    padW: w.pad,
    outH: h.out,
    outW: w.out,
    outChannels,
    groups,
  };
}

/**
 * What conv2d and convTranspose2d do before their primitive: check dtypes, run an unbatched
 * `[C, H, W]` input as a batch of one, check the bias against `biasSize(g)` channels, and cast
 * input, weight and bias to the promoted dtype.
 */
export function convEntry<O>(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: O,
  geometryOf: (x: Tensor, weight: Tensor, options: O) => ConvGeometry,
  biasSize: (g: ConvGeometry) => number,
  primitive: (x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry) => Tensor,
): Tensor {
  if (!isFloating(x.dtype) || !isFloating(weight.dtype)) {
    throw new DTypeError(`${op}: expected floating point input and weight, got ${x.dtype} and ${weight.dtype}`);
  }
  if (x.ndim === 3) {
    return squeeze(convEntry(op, unsqueeze(x, 0), weight, bias, options, geometryOf, biasSize, primitive), 0);
  }
  const g = geometryOf(x, weight, options);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== biasSize(g))) {
    throw new ShapeError(`${op}: expected a bias of shape [${biasSize(g)}], got ${formatShape(bias.shape)}`);
  }
  const dtype = promoteTypes(x.dtype, weight.dtype);
  return primitive(cast(x, dtype), cast(weight, dtype), bias ? cast(bias, dtype) : null, g);
}

export function conv2dPrimitive(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const dtype = x.dtype;
  const xd = denseData(x);
  const wd = denseData(weight);
  const out = allocate(dtype, g.batch * g.outChannels * g.outH * g.outW) as FloatArray;
  // Keep the columns for dW when it will be needed, instead of unfolding x again in backward.
  const kept = isGradEnabled() && weight.requiresGrad ? keepCols(xd, g) : null;
  if (out.length > 0) convForward(xd, wd, bias ? denseData(bias) : null, g, out, kept);
  const y = Tensor.fromData(out, [g.batch, g.outChannels, g.outH, g.outW]);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(
    y,
    { name: 'conv2d', attrs: { window: g } },
    inputs,
    (gy) => {
      if (isGradEnabled()) {
        // createGraph: the same kernels, each recorded as an op with its own rule.
        releaseCols(kept);
        return [
          x.requiresGrad ? convInputGradOp(gy, weight, g) : null,
          weight.requiresGrad ? convWeightGradOp(gy, x, g) : null,
          bias?.requiresGrad ? sum(gy, [0, 2, 3]) : null,
        ];
      }
      const dy = denseData(gy);
      let dx: Tensor | null = null;
      let dw: Tensor | null = null;
      let db: Tensor | null = null;
      if (x.requiresGrad) dx = exclusiveGrad(filledLike(x, dtype, (out) => convInputGrad(dy, wd, g, out)));
      // One pass computes the weight gradient and, when wanted, the bias gradient with it.
      const dbData = bias?.requiresGrad ? (allocate(dtype, g.outChannels) as FloatArray) : null;
      if (weight.requiresGrad) {
        dw = exclusiveGrad(
          filledLike(weight, dtype, (out) => {
            if (dy.length > 0) convWeightGrad(dy, xd, g, out, kept, dbData);
          }),
        );
      } else if (dbData) biasGrad(dy, g.batch, g.outChannels, g.outH * g.outW, dbData);
      releaseCols(kept);
      if (dbData) db = Tensor.fromData(dbData, bias!.shape);
      return [dx, dw, db];
    },
    inputs,
  );
}

/**
 * conv2d's input gradient `dx = col2im(Wᵀ·dY)` as a recorded op of (dy, w), for createGraph. It
 * is bilinear: its adjoint in dy is the convolution of ddx with w, in w the weight gradient of
 * (dy, ddx). With `convWeightGradOp` it differentiates to any order.
 */
export function convInputGradOp(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  const dx = allocate(dy.dtype, g.batch * g.channels * g.height * g.width) as FloatArray;
  if (dx.length > 0) convInputGrad(denseData(dy), denseData(w), g, dx);
  return record(
    Tensor.fromData(dx, [g.batch, g.channels, g.height, g.width]),
    'conv2dInputGrad',
    [dy, w],
    (ddx) => [conv2dPrimitive(ddx, w, null, g), convWeightGradOp(dy, ddx, g)],
    [dy, w],
  );
}

/**
 * conv2d's weight gradient `dW = Σₙ dY·im2col(X)ᵀ` as a recorded op of (dy, x), for createGraph:
 * its adjoint in dy is the convolution of x with ddw, in x the input gradient of (dy, ddw).
 */
export function convWeightGradOp(dy: Tensor, x: Tensor, g: ConvGeometry): Tensor {
  const shape = [g.outChannels, g.channels / g.groups, g.kernelH, g.kernelW];
  const dw = allocate(
    dy.dtype,
    shape.reduce((a, b) => a * b, 1),
  ) as FloatArray;
  const dyd = denseData(dy);
  if (dyd.length > 0) convWeightGrad(dyd, denseData(x), g, dw);
  return record(
    Tensor.fromData(dw, shape),
    'conv2dWeightGrad',
    [dy, x],
    (ddw) => [conv2dPrimitive(x, ddw, null, g), convInputGradOp(dy, ddw, g)],
    [dy, x],
  );
}

/**
 * 2-D convolution (cross-correlation) like `torch.nn.functional.conv2d`: input `[N, C, H, W]`
 * (or unbatched `[C, H, W]`), weight `[outChannels, C / groups, kH, kW]`, optional bias.
 * @example
 * const y = conv2d(randn([8, 3, 32, 32]), randn([16, 3, 3, 3]), null, { padding: 1 }); // [8, 16, 32, 32]
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', options, { stride: true, padding: true, dilation: true, groups: true });
  return convEntry('conv2d', x, weight, bias, options, geometry, (g) => g.outChannels, conv2dPrimitive);
}

/**
 * 1-D convolution like `torch.nn.functional.conv1d`: input `[N, C, L]` (or `[C, L]`), weight
 * `[outChannels, C / groups, k]`; runs as a 2-D convolution over a height-1 image.
 * @example
 * conv1d(randn([4, 2, 50]), randn([8, 2, 5]), null, { padding: 'same' }).shape; // [4, 8, 50]
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv1dOptions = {}): Tensor {
  checkOptions('conv1d', options, { stride: true, padding: true, dilation: true, groups: true });
  if (weight.ndim !== 3)
    throw new ShapeError(
      `conv1d: expected a weight of shape [outChannels, inChannels / groups, k], got ${formatShape(weight.shape)}`,
    );
  if (x.ndim === 2) return squeeze(conv1d(unsqueeze(x, 0), weight, bias, options), 0);
  const expectC = weight.shape[1] * (options.groups ?? 1);
  if (x.ndim !== 3 || x.shape[1] !== expectC) {
    throw new ShapeError(
      `conv1d: expected input of shape [N, C, L] with C = ${expectC} (weight ${formatShape(weight.shape)}), got ${formatShape(x.shape)}`,
    );
  }
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  const pad2 = typeof padding === 'number' ? ([0, padding] as const) : padding;
  const y = conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, {
    stride: [1, stride],
    padding: pad2,
    dilation: [1, dilation],
    groups,
  });
  return squeeze(y, 2);
}
