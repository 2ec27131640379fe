import type { FloatArray } from '../../tensor/dtype.js';
import type { Window2d } from '../kernels.js';

/**
 * im2col and col2im for a chunk of images laid side by side: cols `[ck, count·L]` (row
 * `(c·kH + i)·kW + j`, column `image·L + oh·outW + ow`), so one GEMM covers the whole chunk
 * instead of one small GEMM per image. Same window arithmetic as the JS reference kernels.
 */

/** The output columns `[lo, hi)` whose window column `kj` lands inside the input (not padding). */
function validColumns(w: Window2d, kj: number): [number, number] {
  const shift = w.padW - kj * w.dilationW;
  const lo = Math.min(w.outW, Math.max(0, Math.ceil(shift / w.strideW)));
  const hi = Math.max(lo, Math.min(w.outW, Math.ceil((w.width + shift) / w.strideW)));
  return [lo, hi];
}

/**
 * Calls `run(colStart, xRow, kj)` for every run of `outW` column entries of images
 * `[first, first + count)`, where xRow is the input row's start or −1 when the row is padding.
 */
function forEachRun(w: Window2d, first: number, count: number, run: (col: number, xRow: number, kj: number) => void): void {
  const { channels, height, width, kernelH, kernelW, strideH, padH, dilationH, outH, outW } = w;
  const L = outH * outW;
  const ld = count * L;
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < channels; c++) {
      const plane = ((first + i) * channels + c) * height * width;
      for (let ki = 0; ki < kernelH; ki++) {
        for (let kj = 0; kj < kernelW; kj++) {
          let col = ((c * kernelH + ki) * kernelW + kj) * ld + i * L;
          for (let oh = 0; oh < outH; oh++, col += outW) {
            const ih = oh * strideH - padH + ki * dilationH;
            run(col, ih < 0 || ih >= height ? -1 : plane + ih * width, kj);
          }
        }
      }
    }
  }
}

/** Unfolds images `[first, first + count)` of x `[batch, channels, height, width]` into cols `[ck, count·L]`. */
export function unfoldImages(x: FloatArray, cols: FloatArray, w: Window2d, first: number, count: number): void {
  const { outW, strideW, padW, dilationW } = w;
  const ranges = Array.from({ length: w.kernelW }, (_, kj) => validColumns(w, kj));
  forEachRun(w, first, count, (col, xRow, kj) => {
    if (xRow < 0) {
      cols.fill(0, col, col + outW);
      return;
    }
    const [lo, hi] = ranges[kj];
    const src = xRow - padW + kj * dilationW;
    if (lo > 0) cols.fill(0, col, col + lo);
    if (strideW === 1) cols.set(x.subarray(src + lo, src + hi), col + lo);
    else for (let ow = lo; ow < hi; ow++) cols[col + ow] = x[src + ow * strideW];
    if (hi < outW) cols.fill(0, col + hi, col + outW);
  });
}

/** The adjoint of `unfoldImages`: overwrites images `[first, first + count)` of x with the folded cols. */
export function foldImages(cols: FloatArray, x: FloatArray, w: Window2d, first: number, count: number): void {
  const { strideW, padW, dilationW } = w;
  const per = w.channels * w.height * w.width;
  x.fill(0, first * per, (first + count) * per);
  const ranges = Array.from({ length: w.kernelW }, (_, kj) => validColumns(w, kj));
  forEachRun(w, first, count, (col, xRow, kj) => {
    if (xRow < 0) return;
    const [lo, hi] = ranges[kj];
    const dst = xRow - padW + kj * dilationW;
    for (let ow = lo; ow < hi; ow++) x[dst + ow * strideW] += cols[col + ow];
  });
}

/**
 * Copies `[count, rows, L]` (images `first…` of a `[batch, rows, L]` array) into `[rows, count·L]`
 * (`toCat`), or back (`!toCat`): the layout change between NCHW tensors and side-by-side columns.
 */
export function interleave(src: FloatArray, dst: FloatArray, rows: number, L: number, first: number, count: number, toCat: boolean): void {
  const ld = count * L;
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < rows; r++) {
      const nchw = ((first + i) * rows + r) * L;
      const cat = r * ld + i * L;
      if (toCat) dst.set(src.subarray(nchw, nchw + L), cat);
      else dst.set(src.subarray(cat, cat + L), nchw);
    }
  }
}
