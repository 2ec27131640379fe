import type { FloatArray } from '../../tensor/dtype.js';
import type { Window2d } from '../kernels.js';

/** Reference max pooling with argmax indices, following PyTorch's CPU loop (NaN propagates). */
export function maxPool2d(x: FloatArray, out: FloatArray, indices: Int32Array, w: Window2d): void {
  const { height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = w;
  const planes = w.batch * w.channels;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * height * width;
    for (let oh = 0; oh < outH; oh++) {
      let h0 = oh * strideH - padH;
      const h1 = Math.min(h0 + (kernelH - 1) * dilationH + 1, height);
      while (h0 < 0) h0 += dilationH;
      for (let ow = 0; ow < outW; ow++, o++) {
        let w0 = ow * strideW - padW;
        const w1 = Math.min(w0 + (kernelW - 1) * dilationW + 1, width);
        while (w0 < 0) w0 += dilationW;
        let best = -Infinity;
        // A dilated window can miss the input entirely (-inf, as PyTorch); keep its index in the plane.
        let bestIdx = Math.min(h0, height - 1) * width + Math.min(w0, width - 1);
        for (let h = h0; h < h1; h += dilationH) {
          for (let c = w0; c < w1; c += dilationW) {
            const v = x[base + h * width + c];
            if (v > best || v !== v) {
              best = v;
              bestIdx = h * width + c;
              if (v !== v) break;
            }
          }
          if (best !== best) break;
        }
        out[o] = best;
        indices[o] = bestIdx;
      }
    }
  }
}

/** The window of output (oh, ow) clipped to the input, and PyTorch's divisor for it. */
function avgWindow(
  w: Window2d,
  oh: number,
  ow: number,
  countIncludePad: boolean,
  divisor: number,
): [number, number, number, number, number] {
  let h0 = oh * w.strideH - w.padH;
  let w0 = ow * w.strideW - w.padW;
  let h1 = Math.min(h0 + w.kernelH, w.height + w.padH);
  let w1 = Math.min(w0 + w.kernelW, w.width + w.padW);
  const padded = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, w.height);
  w1 = Math.min(w1, w.width);
  const div = divisor > 0 ? divisor : countIncludePad ? padded : (h1 - h0) * (w1 - w0);
  return [h0, h1, w0, w1, div];
}

/** Reference average pooling (PyTorch's divisor rules; a window wholly in padding gives 0). */
export function avgPool2d(
  x: FloatArray,
  out: FloatArray,
  w: Window2d,
  countIncludePad: boolean,
  divisor: number,
): void {
  const planes = w.batch * w.channels;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * w.height * w.width;
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++, o++) {
        const [h0, h1, w0, w1, div] = avgWindow(w, oh, ow, countIncludePad, divisor);
        if (h0 >= h1 || w0 >= w1) {
          out[o] = 0;
          continue;
        }
        let acc = 0;
        for (let h = h0; h < h1; h++) for (let c = w0; c < w1; c++) acc += x[base + h * w.width + c];
        out[o] = acc / div;
      }
    }
  }
}

export function avgPool2dBackward(
  dy: FloatArray,
  dx: FloatArray,
  w: Window2d,
  countIncludePad: boolean,
  divisor: number,
): void {
  dx.fill(0);
  const planes = w.batch * w.channels;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * w.height * w.width;
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++, o++) {
        const [h0, h1, w0, w1, div] = avgWindow(w, oh, ow, countIncludePad, divisor);
        const g = dy[o] / div;
        for (let h = h0; h < h1; h++) for (let c = w0; c < w1; c++) dx[base + h * w.width + c] += g;
      }
    }
  }
}
