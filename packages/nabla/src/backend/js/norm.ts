import type { FloatArray } from '../../tensor/dtype.js';

/** Reference per-channel mean and biased variance of `[outer, channels, inner]`, two passes. */
export function channelMoments(
  x: FloatArray,
  mean: Float64Array,
  variance: Float64Array,
  outer: number,
  channels: number,
  inner: number,
): void {
  const count = outer * inner;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) sum += x[base + i];
    }
    const mu = sum / count;
    let sq = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[base + i] - mu;
        sq += v * v;
      }
    }
    mean[c] = mu;
    variance[c] = sq / count;
  }
}

/** Reference per-channel Σ dy and Σ dy·(x − mean). */
export function channelGradSums(
  dy: FloatArray,
  x: FloatArray,
  mean: Float64Array,
  sumDy: Float64Array,
  sumDyXc: Float64Array,
  outer: number,
  channels: number,
  inner: number,
): void {
  for (let c = 0; c < channels; c++) {
    const mu = mean[c];
    let s = 0;
    let sx = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) {
        const g = dy[base + i];
        s += g;
        sx += g * (x[base + i] - mu);
      }
    }
    sumDy[c] = s;
    sumDyXc[c] = sx;
  }
}

/** Reference `out = a[c]·x + b[c]·y + d[c]` (y null: `a[c]·x + d[c]`). */
export function channelAffine(
  x: FloatArray,
  y: FloatArray | null,
  a: Float64Array,
  b: Float64Array,
  d: Float64Array,
  out: FloatArray,
  outer: number,
  channels: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      const ac = a[c];
      const dc = d[c];
      if (y) {
        const bc = b[c];
        for (let i = base; i < base + inner; i++) out[i] = ac * x[i] + bc * y[i] + dc;
      } else {
        for (let i = base; i < base + inner; i++) out[i] = ac * x[i] + dc;
      }
    }
  }
}
