import type { FloatArray } from '../tensor/dtype.js';

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
  gatherBytes(
    src: Uint8Array,
    index: Int32Array,
    per: number,
    out: Float32Array,
    divisor: number,
    norm: ChannelNorm | null,
    plane: number,
  ): void;
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
