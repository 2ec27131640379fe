import type { FloatArray } from '../../tensor/dtype.js';
import type { ChannelNorm, DataKernels } from '../optim-kernels.js';

/** The reference data kernels: plain loops, the oracle the faster ones match. */
function gatherBytes(src: Uint8Array, index: Int32Array, per: number, out: Float32Array, divisor: number, norm: ChannelNorm | null, plane: number): void {
  for (let k = 0; k < index.length; k++) {
    const s = index[k] * per;
    const o = k * per;
    if (!norm) {
      for (let i = 0; i < per; i++) out[o + i] = src[s + i] / divisor;
      continue;
    }
    const channels = norm.mean.length;
    // Per channel plane: the scaled byte is rounded to float32 first, as when normalising apart.
    for (let i0 = 0, c = 0; i0 < per; i0 += plane, c = (c + 1) % channels) {
      const mean = norm.mean[c];
      const std = norm.std[c];
      const end = Math.min(per, i0 + plane);
      for (let i = i0; i < end; i++) out[o + i] = (Math.fround(src[s + i] / divisor) - mean) / std;
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

export const data: DataKernels = { gatherBytes, normalize };
