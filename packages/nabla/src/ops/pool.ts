/**
 * 2-D pooling primitives over `[N, C, H, W]` (or unbatched `[C, H, W]`), PyTorch's output sizes
 * and divisors included. Max pooling keeps the argmax of each window; its gradient is a
 * scatter-add of dy at those positions. Average pooling's gradient spreads dy over each window.
 */
import { DTypeError, OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { exclusiveGrad, record } from '../autograd/graph.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { getBackend, type Window2d } from '../backend/index.js';
import { allocate, allocateOverwritten, isFloating, type FloatArray } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { denseData, pair, type Pair } from './conv.js';
import { gather } from './indexing.js';
import { narrow, reshape, squeeze, stack, unsqueeze } from './movement.js';
import { mean } from './reduce.js';

export interface MaxPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  /** Round the output size up (windows may start in the right/bottom padding). */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

/** PyTorch's pooling output size (`pooling_output_shape`), including the ceil-mode rule. */
function poolOut(size: number, k: number, pad: number, stride: number, dilation: number, ceil: boolean): number {
  const num = size + 2 * pad - dilation * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(num / stride) + 1;
  // The last window must start inside the input or the left padding.
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

function poolWindow(x: Tensor, op: string, kernelSize: Pair, o: MaxPool2dOptions): Window2d {
  if (x.ndim !== 4)
    throw new ShapeError(
      `${op}: expected input of shape [N, C, H, W] (or unbatched [C, H, W]), got ${formatShape(x.shape)}`,
    );
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  const [kernelH, kernelW] = pair(kernelSize, 'kernelSize', op);
  const [strideH, strideW] = pair(o.stride ?? kernelSize, 'stride', op);
  const [padH, padW] = pair(o.padding ?? 0, 'padding', op, true);
  const [dilationH, dilationW] = pair(o.dilation ?? 1, 'dilation', op);
  const spanH = (kernelH - 1) * dilationH + 1;
  const spanW = (kernelW - 1) * dilationW + 1;
  if (padH > spanH / 2 || padW > spanW / 2) {
    throw new ShapeError(
      `${op}: padding ${padH}x${padW} should be at most half of the (dilated) kernel size ${spanH}x${spanW}`,
    );
  }
  const [batch, channels, height, width] = x.shape;
  const ceil = o.ceilMode ?? false;
  const outH = poolOut(height, kernelH, padH, strideH, dilationH, ceil);
  const outW = poolOut(width, kernelW, padW, strideW, dilationW, ceil);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: output size would be ${outH}x${outW} for input ${formatShape(x.shape)} and kernel ${kernelH}x${kernelW}; the input is too small`,
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
    padH,
    padW,
    dilationH,
    dilationW,
    outH,
    outW,
  };
}

/** Runs a 4-D pooling function on a 3-D (unbatched) input too. */
function unbatched<T extends Tensor | { values: Tensor; indices: Tensor }>(x: Tensor, run: (x4: Tensor) => T): T {
  if (x.ndim !== 3) return run(x);
  const r = run(unsqueeze(x, 0));
  if (r instanceof Tensor) return squeeze(r, 0) as T;
  return { values: squeeze(r.values, 0), indices: squeeze(r.indices, 0) } as T;
}

/**
 * Max pooling with the argmax of each window (flat `h·W + w` per plane, as PyTorch returns).
 * @example
 * const { values, indices } = maxPool2dWithIndices(randn([1, 1, 4, 4]), 2);
 */
export function maxPool2dWithIndices(
  x: Tensor,
  kernelSize: Pair,
  options: MaxPool2dOptions = {},
): { values: Tensor; indices: Tensor } {
  checkOptions('maxPool2d', options, { stride: true, padding: true, dilation: true, ceilMode: true });
  return unbatched(x, (x4) => {
    const w = poolWindow(x4, 'maxPool2d', kernelSize, options);
    const L = w.outH * w.outW;
    const planes = w.batch * w.channels;
    const out = allocateOverwritten(x4.dtype, planes * L) as FloatArray; // the kernel writes every element
    const idx = new Int32Array(planes * L);
    if (out.length > 0) getBackend().maxPool2d(denseData(x4), out, idx, w);
    const shape = [w.batch, w.channels, w.outH, w.outW];
    const op = { name: 'maxPool2d', attrs: { window: w, ceilMode: options.ceilMode ?? false } };
    const values = record(Tensor.fromData(out, shape), op, [x4], (dy) => {
      const dx = allocate(dy.dtype, x4.numel());
      // Each output's gradient lands on its window's argmax: a scatter-add per plane.
      getBackend().scatterAdd(denseData(dy), idx, dx, planes, w.height * w.width, L, 1);
      const g = Tensor.fromData(dx, x4.shape);
      // Under createGraph: linear in dy, with the gather at the same argmax as its adjoint (the
      // argmax is piecewise constant in x, so x gets no second-order term, as in PyTorch).
      if (isGradEnabled() && dy.requiresGrad) {
        const at = Tensor.fromData(idx, [w.batch, w.channels, L]);
        const planes3 = [w.batch, w.channels, w.height * w.width];
        return [record(g, 'maxPool2dBackward', [dy], (ddx) => [reshape(gather(reshape(ddx, planes3), 2, at), shape)])];
      }
      return [exclusiveGrad(g)];
    });
    return { values, indices: Tensor.fromData(idx, shape) };
  });
}

/**
 * Max pooling like `torch.nn.functional.max_pool2d` (stride defaults to the kernel size).
 * @example
 * maxPool2d(randn([8, 6, 28, 28]), 2).shape; // [8, 6, 14, 14]
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  return maxPool2dWithIndices(x, kernelSize, options).values;
}

/**
 * Average pooling like `torch.nn.functional.avg_pool2d`.
 * @example
 * avgPool2d(randn([8, 6, 28, 28]), 2).shape; // [8, 6, 14, 14]
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
  checkOptions('avgPool2d', options, {
    stride: true,
    padding: true,
    ceilMode: true,
    countIncludePad: true,
    divisorOverride: true,
  });
  return unbatched(x, (x4) => {
    const w = poolWindow(x4, 'avgPool2d', kernelSize, options);
    const includePad = options.countIncludePad ?? true;
    const divisor = options.divisorOverride ?? 0;
    if (!Number.isFinite(divisor) || divisor < 0 || (options.divisorOverride != null && divisor === 0)) {
      throw new OptionError(`avgPool2d: divisorOverride must be a positive number, got ${options.divisorOverride}`);
    }
    const out = allocate(x4.dtype, w.batch * w.channels * w.outH * w.outW) as FloatArray;
    if (out.length > 0) getBackend().avgPool2d(denseData(x4), out, w, includePad, divisor);
    const op = {
      name: 'avgPool2d',
      attrs: { window: w, ceilMode: options.ceilMode ?? false, countIncludePad: includePad, divisor },
    };
    return record(Tensor.fromData(out, [w.batch, w.channels, w.outH, w.outW]), op, [x4], (dy) => {
      const dx = allocate(dy.dtype, x4.numel()) as FloatArray;
      if (dx.length > 0) getBackend().avgPool2dBackward(denseData(dy), dx, w, includePad, divisor);
      const g = Tensor.fromData(dx, x4.shape);
      // Under createGraph: linear in dy, with the pooling itself as its adjoint.
      if (isGradEnabled() && dy.requiresGrad)
        return [record(g, 'avgPool2dBackward', [dy], (ddx) => [avgPool2d(ddx, kernelSize, options)])];
      return [exclusiveGrad(g)];
    });
  });
}

/** PyTorch's adaptive window `[floor(i·in/out), ceil((i+1)·in/out))`. */
function adaptiveRange(i: number, inSize: number, outSize: number): [number, number] {
  return [Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)];
}

/**
 * Adaptive average pooling like `torch.nn.functional.adaptive_avg_pool2d`: the output has
 * `outputSize` (null keeps that input size). `1` is global average pooling.
 * @example
 * adaptiveAvgPool2d(randn([2, 512, 7, 7]), 1).shape; // [2, 512, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  return unbatched(x, (x4) => {
    if (x4.ndim !== 4)
      throw new ShapeError(
        `adaptiveAvgPool2d: expected input of shape [N, C, H, W] (or unbatched [C, H, W]), got ${formatShape(x.shape)}`,
      );
    const [H, W] = [x4.shape[2], x4.shape[3]];
    const [oh, ow] =
      typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0] ?? H, outputSize[1] ?? W];
    pair([oh, ow], 'outputSize', 'adaptiveAvgPool2d');
    if (oh === 1 && ow === 1) return mean(x4, [2, 3], true);
    // Equal windows: an ordinary average pool (fast path).
    if (H % oh === 0 && W % ow === 0) return avgPool2d(x4, [H / oh, W / ow]);
    // Unequal (overlapping) windows: one mean per output cell.
    const rows = Array.from({ length: oh }, (_, i) => {
      const [h0, h1] = adaptiveRange(i, H, oh);
      const band = narrow(x4, 2, h0, h1 - h0);
      const cells = Array.from({ length: ow }, (_, j) => {
        const [w0, w1] = adaptiveRange(j, W, ow);
        return mean(narrow(band, 3, w0, w1 - w0), [2, 3]);
      });
      return stack(cells, 2);
    });
    return stack(rows, 2);
  });
}

/** 1-D max pooling over `[N, C, L]` (or `[C, L]`), through the 2-D kernel. */
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {},
): Tensor {
  checkOptions('maxPool1d', options, { stride: true, padding: true, dilation: true, ceilMode: true });
  if (x.ndim !== 2 && x.ndim !== 3)
    throw new ShapeError(
      `maxPool1d: expected input of shape [N, C, L] (or unbatched [C, L]), got ${formatShape(x.shape)}`,
    );
  const { stride, padding = 0, dilation = 1, ceilMode } = options;
  const y = maxPool2d(unsqueeze(x, -2), [1, kernelSize], {
    stride: [1, stride ?? kernelSize],
    padding: [0, padding],
    dilation: [1, dilation],
    ceilMode,
  });
  return squeeze(y, -2);
}

/** 1-D average pooling over `[N, C, L]` (or `[C, L]`), through the 2-D kernel. */
export function avgPool1d(
  x: Tensor,
  kernelSize: number,
  options: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {},
): Tensor {
  checkOptions('avgPool1d', options, { stride: true, padding: true, ceilMode: true, countIncludePad: true });
  if (x.ndim !== 2 && x.ndim !== 3)
    throw new ShapeError(
      `avgPool1d: expected input of shape [N, C, L] (or unbatched [C, L]), got ${formatShape(x.shape)}`,
    );
  const { stride, padding = 0, ceilMode, countIncludePad } = options;
  const y = avgPool2d(unsqueeze(x, -2), [1, kernelSize], {
    stride: [1, stride ?? kernelSize],
    padding: [0, padding],
    ceilMode,
    countIncludePad,
  });
  return squeeze(y, -2);
}
