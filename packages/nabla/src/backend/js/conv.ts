import type { FloatArray } from '../../tensor/dtype.js';
import type { Window2d } from '../kernels.js';

/** The output columns `[lo, hi)` whose window column `kj` lands inside the input (not padding). */
function validColumns(w: Window2d, kj: number): [number, number] {
  const shift = w.padW - kj * w.dilationW; // ow·strideW − shift is the input column
  const lo = Math.min(w.outW, Math.max(0, Math.ceil(shift / w.strideW)));
  const hi = Math.max(lo, Math.min(w.outW, Math.ceil((w.width + shift) / w.strideW)));
  return [lo, hi];
}

/**
 * Calls `row` once per (batch, channel, ki, kj, oh) run of `outW` cols entries with the start of
 * that run in cols and the input row it reads (−1 when the row is padding). Shared by im2col and
 * col2im so the two stay exact adjoints.
 */
function forEachRun(w: Window2d, row: (ci: number, xRow: number, kj: number) => void): void {
  const { batch, channels, height, width, kernelH, kernelW, strideH, padH, dilationH, outH, outW } = w;
  let ci = 0;
  for (let p = 0; p < batch * channels; p++) {
    const xPlane = p * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++) {
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilationH;
          row(ci, ih < 0 || ih >= height ? -1 : xPlane + ih * width, kj);
          ci += outW;
        }
      }
    }
  }
}

/** Reference im2col: x `[batch, channels, height, width]` → cols `[batch, channels·kH·kW, outH·outW]`. */
export function im2col(x: FloatArray, cols: FloatArray, w: Window2d): void {
  const { outW, strideW } = w;
  const ranges = Array.from({ length: w.kernelW }, (_, kj) => validColumns(w, kj));
  forEachRun(w, (ci, xRow, kj) => {
    if (xRow < 0) {
      cols.fill(0, ci, ci + outW);
      return;
    }
    const [lo, hi] = ranges[kj];
    const src = xRow - w.padW + kj * w.dilationW;
    cols.fill(0, ci, ci + lo);
    for (let ow = lo; ow < hi; ow++) cols[ci + ow] = x[src + ow * strideW];
    cols.fill(0, ci + hi, ci + outW);
  });
}

/** Reference col2im: the adjoint of `im2col` (entries of overlapping windows add up). */
export function col2im(cols: FloatArray, x: FloatArray, w: Window2d): void {
  const { strideW } = w;
  const ranges = Array.from({ length: w.kernelW }, (_, kj) => validColumns(w, kj));
  x.fill(0);
  forEachRun(w, (ci, xRow, kj) => {
    if (xRow < 0) return;
    const [lo, hi] = ranges[kj];
    const dst = xRow - w.padW + kj * w.dilationW;
    for (let ow = lo; ow < hi; ow++) x[dst + ow * strideW] += cols[ci + ow];
  });
}
