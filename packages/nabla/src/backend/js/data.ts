import type { FloatArray } from '../../tensor/dtype.js';
import type { ChannelNorm, DataKernels, PlaneGeometry } from '../data-kernels.js';

/**
 * Gathers through a 256-entry table per channel: a byte has only 256 values, so each result is
 * computed once, with the same operations as element by element (the scaled byte rounded to
 * float32 first, as when normalising apart), and the loop is a lookup.
 */
function gatherBytes(
  src: Uint8Array,
  index: Int32Array,
  per: number,
  out: Float32Array,
  divisor: number,
  norm: ChannelNorm | null,
  plane: number,
): void {
  const channels = norm ? norm.mean.length : 1;
  const tables = Array.from({ length: channels }, (_, c) => {
    const t = new Float32Array(256);
    for (let b = 0; b < 256; b++) t[b] = norm ? (Math.fround(b / divisor) - norm.mean[c]) / norm.std[c] : b / divisor;
    return t;
  });
  const step = norm ? plane : per;
  for (let k = 0; k < index.length; k++) {
    const s = index[k] * per;
    const o = k * per;
    for (let i0 = 0, c = 0; i0 < per; i0 += step, c = (c + 1) % channels) {
      const t = tables[c];
      const end = Math.min(per, i0 + step);
      for (let i = i0; i < end; i++) out[o + i] = t[src[s + i]];
    }
  }
}

function normalize(x: FloatArray, out: FloatArray, norm: ChannelNorm, plane: number): void {
  const channels = norm.mean.length;
  for (let i0 = 0, c = 0; i0 < x.length; i0 += plane, c = (c + 1) % channels) {
    const mean = norm.mean[c];
    const std = norm.std[c];
    const end = Math.min(x.length, i0 + plane);
    for (let i = i0; i < end; i++) out[i] = (x[i] - mean) / std;
  }
}

function remapPlanes(
  x: FloatArray,
  out: FloatArray,
  g: PlaneGeometry,
  rows: Int32Array,
  cols: Int32Array,
  fill: number,
): void {
  const { batch, channels, inH, inW, outH, outW } = g;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = n * channels + c;
      const src = plane * inH * inW;
      const dst = plane * outH * outW;
      for (let y = 0; y < outH; y++) {
        const sy = rows[n * outH + y];
        for (let xo = 0; xo < outW; xo++) {
          const sx = cols[n * outW + xo];
          out[dst + y * outW + xo] = sy < 0 || sx < 0 ? fill : x[src + sy * inW + sx];
        }
      }
    }
  }
}

/** Source indices and weights of bilinear interpolation along one axis (half-pixel centres). */
function linearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(scale * (o + 0.5) - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = lo < inSize - 1 ? lo + 1 : lo;
    w1[o] = Math.min(Math.max(src - lo, 0), 1);
  }
  return { i0, i1, w1 };
}

function resizeBilinear(x: FloatArray, out: FloatArray, g: PlaneGeometry): void {
  const { inH, inW, outH: h, outW: w } = g;
  const ys = linearTaps(inH, h);
  const xs = linearTaps(inW, w);
  const planes = g.batch * g.channels;
  for (let p = 0; p < planes; p++) {
    const src = p * inH * inW;
    for (let y = 0; y < h; y++) {
      const r0 = src + ys.i0[y] * inW;
      const r1 = src + ys.i1[y] * inW;
      const wy = ys.w1[y];
      for (let xo = 0; xo < w; xo++) {
        const a = xs.i0[xo];
        const b = xs.i1[xo];
        const wx = xs.w1[xo];
        const top = x[r0 + a] * (1 - wx) + x[r0 + b] * wx;
        const bottom = x[r1 + a] * (1 - wx) + x[r1 + b] * wx;
        out[(p * h + y) * w + xo] = top * (1 - wy) + bottom * wy;
      }
    }
  }
}

export const data: DataKernels = { gatherBytes, normalize, remapPlanes, resizeBilinear };
