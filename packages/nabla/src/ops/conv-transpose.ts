/**
 * Transposed convolution (a.k.a. fractionally strided convolution): the adjoint of conv2d with
 * respect to its input. It reuses conv2d's pieces with the roles swapped — with `g` the window of
 * the convolution that maps the (larger) output back to the input,
 *   forward:  y = col2im(Wᵀ·x)            (conv2d's input gradient)
 *   backward: dx = W·im2col(dy)           (conv2d's forward)
 *             dW = Σₙ x·im2col(dy)ᵀ,  db = Σ dy.
 */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { record } from '../autograd/graph.js';
import { allocate, type FloatArray } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { conv2dPrimitive, convEntry, convWeightGradOp, denseData, filledLike, pair, type Pair } from './conv.js';
import { sum } from './reduce.js';
import { addBias, biasGrad, convForward, convInputGrad, convWeightGrad, type ConvGeometry } from './conv-gemm.js';

export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** Crops this many rows/columns from each side of the full output. */
  padding?: Pair;
  /** Extra rows/columns on the bottom/right, to pick among the output sizes a strided conv maps from. */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

function transposeGeometry(x: Tensor, weight: Tensor, options: ConvTranspose2dOptions): ConvGeometry {
  const op = 'convTranspose2d';
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new OptionError(`${op}: groups must be a positive integer, got ${groups}`);
  if (weight.ndim !== 4)
    throw new ShapeError(
      `${op}: expected a weight of shape [inChannels, outChannels / groups, kH, kW], got ${formatShape(weight.shape)}`,
    );
  const [inChannels, outPerGroup, kernelH, kernelW] = weight.shape;
  if (x.ndim !== 4 || x.shape[1] !== inChannels) {
    throw new ShapeError(
      `${op}: expected input of shape [N, C, H, W] with C = ${inChannels} (weight ${formatShape(weight.shape)}), got ${formatShape(x.shape)}`,
    );
  }
  if (inChannels % groups !== 0)
    throw new ShapeError(`${op}: inChannels ${inChannels} must be divisible by groups ${groups}`);
  const [strideH, strideW] = pair(options.stride ?? 1, 'stride', op);
  const [padH, padW] = pair(options.padding ?? 0, 'padding', op, true);
  const [opH, opW] = pair(options.outputPadding ?? 0, 'outputPadding', op, true);
  const [dilationH, dilationW] = pair(options.dilation ?? 1, 'dilation', op);
  if (opH >= Math.max(strideH, dilationH) || opW >= Math.max(strideW, dilationW)) {
    throw new ShapeError(
      `${op}: outputPadding ${opH}x${opW} must be smaller than either stride or dilation (stride ${strideH}x${strideW}, dilation ${dilationH}x${dilationW})`,
    );
  }
  const [batch, , H, W] = x.shape;
  const height = (H - 1) * strideH - 2 * padH + dilationH * (kernelH - 1) + opH + 1;
  const width = (W - 1) * strideW - 2 * padW + dilationW * (kernelW - 1) + opW + 1;
  if (height < 1 || width < 1)
    throw new ShapeError(
      `${op}: output size ${height}x${width} is too small for input ${formatShape(x.shape)} (padding ${padH}x${padW})`,
    );
  return {
    batch,
    channels: outPerGroup * groups,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    outH: H,
    outW: W,
    outChannels: inChannels,
    groups,
  };
}

function primitive(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const dtype = x.dtype;
  const xd = denseData(x);
  const wd = denseData(weight);
  const L = g.height * g.width;
  const out = allocate(dtype, g.batch * g.channels * L) as FloatArray;
  if (out.length > 0) convInputGrad(xd, wd, g, out);
  if (bias) addBias(out, denseData(bias), g.batch, g.channels, L);
  const y = Tensor.fromData(out, [g.batch, g.channels, g.height, g.width]);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(
    y,
    { name: 'convTranspose2d', attrs: { window: g } },
    inputs,
    (gy) => {
      if (isGradEnabled()) {
        // createGraph: conv2d's recorded primitive and weight-gradient op, roles swapped.
        return [
          x.requiresGrad ? conv2dPrimitive(gy, weight, null, g) : null,
          weight.requiresGrad ? convWeightGradOp(x, gy, g) : null,
          bias?.requiresGrad ? sum(gy, [0, 2, 3]) : null,
        ];
      }
      const dy = denseData(gy);
      let dx: Tensor | null = null;
      let dw: Tensor | null = null;
      let db: Tensor | null = null;
      if (x.requiresGrad) dx = filledLike(x, dtype, (out) => convForward(dy, wd, null, g, out));
      if (weight.requiresGrad) dw = filledLike(weight, dtype, (out) => xd.length > 0 && convWeightGrad(xd, dy, g, out));
      if (bias?.requiresGrad) db = filledLike(bias, dtype, (out) => biasGrad(dy, g.batch, g.channels, L, out));
      return [dx, dw, db];
    },
    inputs,
  );
}

/**
 * Transposed 2-D convolution like `torch.nn.functional.conv_transpose2d`: input `[N, C, H, W]`
 * (or `[C, H, W]`), weight `[C, outChannels / groups, kH, kW]`; output height
 * `(H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1`.
 * @example
 * convTranspose2d(randn([1, 16, 7, 7]), randn([16, 8, 4, 4]), null, { stride: 2, padding: 1 }).shape; // [1, 8, 14, 14]
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  checkOptions('convTranspose2d', options, {
    stride: true,
    padding: true,
    outputPadding: true,
    dilation: true,
    groups: true,
  });
  return convEntry('convTranspose2d', x, weight, bias, options, transposeGeometry, (g) => g.channels, primitive);
}
