import type { FloatArray } from '../tensor/dtype.js';

/** Hyper-parameters of one SGD step (`torch.optim.SGD`'s, camelCase). */
export interface SgdStep {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** Hyper-parameters of one Adam/AdamW step. */
export interface AdamStep {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Hyper-parameters of one RMSprop step (centered and momentum follow from the buffers given). */
export interface RmspropStep {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  maximize: boolean;
}

/** Hyper-parameters of one Adagrad step. */
export interface AdagradStep {
  lr: number;
  lrDecay: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Hyper-parameters of one Adadelta step. */
export interface AdadeltaStep {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * Fused optimizer steps on one parameter: `p` (updated in place), its gradient `g` and its state
 * buffers, all dense and of one float type and length. Each follows PyTorch 1.13's
 * `_single_tensor_*` operation order; float32 rounds after every operation as PyTorch's float32
 * kernels do, so every backend gives the same bits.
 */
export interface OptimKernels {
  /** SGD; `buf` null without momentum, `first` when the buffer was just created (it takes d). */
  sgd(p: FloatArray, g: FloatArray, buf: FloatArray | null, first: boolean, h: SgdStep): void;
  /** Adam (or AdamW with `decoupled`) at step number `step` ≥ 1; `vMax` null unless amsgrad. */
  adam(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, step: number, h: AdamStep, decoupled: boolean): void;
  /** RMSprop; `buf` null without momentum, `gradAvg` null unless centered. */
  rmsprop(p: FloatArray, g: FloatArray, squareAvg: FloatArray, buf: FloatArray | null, gradAvg: FloatArray | null, h: RmspropStep): void;
  /** Adagrad at step number `step` ≥ 1. */
  adagrad(p: FloatArray, g: FloatArray, sum: FloatArray, step: number, h: AdagradStep): void;
  /** Adadelta: `v` the running mean of g², `u` of squared updates. */
  adadelta(p: FloatArray, g: FloatArray, v: FloatArray, u: FloatArray, h: AdadeltaStep): void;
  /** The p-norm of `x` as `torch.norm` defines it (±Infinity: max/min |x|; 0: non-zero count), summed in float64. */
  vectorNorm(x: ArrayLike<number>, p: number): number;
}

/** Per-channel `(x − mean[c]) / std[c]` (torchvision's `Normalize`); one value per channel. */
export interface ChannelNorm {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** Kernels of the data sets: building float batches from stored samples. */
export interface DataKernels {
  /**
   * Gathers rows of bytes into floats: `out[k·per + i] = src[index[k]·per + i] / divisor`, then
   * with `norm`, `(out − mean[c]) / std[c]` where c = ⌊i / plane⌋ mod channels (channels =
   * `norm.mean.length`) — one pass, the same bits as the two steps apart.
   */
  gatherBytes(src: Uint8Array, index: Int32Array, per: number, out: Float32Array, divisor: number, norm: ChannelNorm | null, plane: number): void;
  /** `out = (x − mean[c]) / std[c]` over `[outer, channels, plane]` (channels = `norm.mean.length`). */
  normalize(x: FloatArray, out: FloatArray, norm: ChannelNorm, plane: number): void;
  /**
   * Pixel remapping of an image batch `[batch, channels, inH, inW]` into `[batch, channels, outH,
   * outW]` (pad, crop, flip): `out[n, c, y, x] = x[n, c, rows[n·outH + y], cols[n·outW + x]]`, or
   * `fill` where either index is negative.
   */
  remapPlanes(x: FloatArray, out: FloatArray, g: PlaneGeometry, rows: Int32Array, cols: Int32Array, fill: number): void;
  /** Bilinear resize of every plane (half-pixel centres, no antialiasing: `F.interpolate(mode='bilinear', align_corners=False)`). */
  resizeBilinear(x: FloatArray, out: FloatArray, g: PlaneGeometry): void;
}

/** An image batch's planes before and after a geometric transform. */
export interface PlaneGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
}
