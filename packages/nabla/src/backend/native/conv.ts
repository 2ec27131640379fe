import type { FloatArray } from '../../tensor/dtype.js';
import type { ConvWindow, Kernels } from '../kernels.js';
import type { Blas } from './blas.js';
import { sameFloat } from './gemm.js';
import { foldImages, interleave, unfoldImages } from './unfold.js';

/** Unfolded elements per chunk of images: one GEMM covers a chunk, and its columns stay bounded (16 MiB in float32). */
let chunkFloats = 1 << 22;

/** @internal Sets the unfolded elements per chunk (tests force several chunks); returns the old value. */
export function setNativeChunkFloats(floats: number): number {
  const old = chunkFloats;
  chunkFloats = floats;
  return old;
}

/** Reused temporaries (two slots per element type), grown on demand and kept for the next call. */
const scratch = new Map<string, FloatArray>();
function temp(like: FloatArray, size: number, slot: 'cols' | 'tmp'): FloatArray {
  const f64 = like instanceof Float64Array;
  const key = `${slot}:${f64 ? 64 : 32}`;
  let buf = scratch.get(key);
  if (!buf || buf.length < size) {
    buf = f64 ? new Float64Array(size) : new Float32Array(size);
    scratch.set(key, buf);
  }
  return buf.subarray(0, size);
}

function isPointwise(w: ConvWindow): boolean {
  return w.kernelH === 1 && w.kernelW === 1 && w.strideH === 1 && w.strideW === 1 && w.padH === 0 && w.padW === 0
    && w.outH === w.height && w.outW === w.width;
}

/** Calls `fn(first, count)` over chunks of the batch sized so each chunk's columns fit `chunkFloats`. */
function chunks(w: ConvWindow, fn: (first: number, count: number) => void): void {
  const per = Math.max(1, w.channels * w.kernelH * w.kernelW * w.outH * w.outW);
  const step = Math.max(1, Math.floor(chunkFloats / per));
  for (let first = 0; first < w.batch; first += step) fn(first, Math.min(step, w.batch - first));
}

/**
 * Convolution (groups 1) as im2col + GEMM on the BLAS, a chunk of images per GEMM: the chunk's
 * images are unfolded side by side into `[ck, count·L]`, so the product is `[co, ck] × [ck, count·L]`,
 * wide enough for the BLAS's blocking and threads even for LeNet-sized layers. A batch of one
 * multiplies straight into the output (its side-by-side layout is NCHW already).
 */
export function makeNativeConv(blas: Blas): NonNullable<Kernels['conv2d']> {
  /** The chunk's unfolded input: x itself for one image of a pointwise window, else im2col'd. */
  const unfolded = (x: FloatArray, w: ConvWindow, first: number, count: number, ck: number, L: number): FloatArray => {
    if (count === 1 && isPointwise(w)) return x.subarray(first * ck * L, (first + 1) * ck * L);
    const cols = temp(x, ck * count * L, 'cols');
    unfoldImages(x, cols, w, first, count);
    return cols;
  };
  /** dY of a chunk as `[co, count·L]`: a view for one image, a copy otherwise. */
  const gradCat = (dy: FloatArray, co: number, L: number, first: number, count: number): FloatArray => {
    if (count === 1) return dy.subarray(first * co * L, (first + 1) * co * L);
    const cat = temp(dy, co * count * L, 'tmp');
    interleave(dy, cat, co, L, first, count, true);
    return cat;
  };
  const empty = (w: ConvWindow): boolean => w.batch === 0 || w.outChannels === 0 || w.outH * w.outW === 0;
  return {
    forward(x, weight, bias, out, w) {
      if (!sameFloat(x, weight, bias, out)) return false;
      const co = w.outChannels;
      const ck = w.channels * w.kernelH * w.kernelW;
      const L = w.outH * w.outW;
      if (empty(w)) return true;
      if (ck === 0) out.fill(0);
      else {
        chunks(w, (first, count) => {
          const cols = unfolded(x, w, first, count, ck, L);
          const y = count === 1 ? out.subarray(first * co * L, (first + 1) * co * L) : temp(out, co * count * L, 'tmp');
          blas.gemm(false, false, co, count * L, ck, 1, weight, ck, cols, count * L, 0, y, count * L);
          if (count > 1) interleave(y, out, co, L, first, count, false);
        });
      }
      if (bias) {
        for (let p = 0; p < w.batch * co; p++) {
          const b = bias[p % co];
          for (let i = p * L, end = i + L; i < end; i++) out[i] += b;
        }
      }
      return true;
    },
    weightGrad(dy, x, dw, db, w) {
      if (!sameFloat(dy, x, dw, db)) return false;
      const co = w.outChannels;
      const ck = w.channels * w.kernelH * w.kernelW;
      const L = w.outH * w.outW;
      dw.fill(0);
      if (db) {
        // float64 sums per channel, as the reference's bias gradient.
        for (let c = 0; c < co; c++) {
          let s = 0;
          for (let n = 0; n < w.batch; n++) for (let i = (n * co + c) * L, end = i + L; i < end; i++) s += dy[i];
          db[c] = s;
        }
      }
      if (empty(w) || ck === 0) return true;
      let beta = 0;
      chunks(w, (first, count) => {
        const cols = unfolded(x, w, first, count, ck, L);
        const g = gradCat(dy, co, L, first, count);
        blas.gemm(false, true, co, ck, count * L, 1, g, count * L, cols, count * L, beta, dw, ck);
        beta = 1;
      });
      return true;
    },
    inputGrad(dy, weight, dx, w) {
      if (!sameFloat(dy, weight, dx)) return false;
      const co = w.outChannels;
      const ck = w.channels * w.kernelH * w.kernelW;
      const L = w.outH * w.outW;
      if (empty(w) || ck === 0 || co === 0) {
        dx.fill(0);
        return true;
      }
      chunks(w, (first, count) => {
        const g = gradCat(dy, co, L, first, count);
        if (count === 1 && isPointwise(w)) {
          blas.gemm(true, false, ck, L, co, 1, weight, ck, g, L, 0, dx.subarray(first * ck * L, (first + 1) * ck * L), L);
          return;
        }
        const dcols = temp(dx, ck * count * L, 'cols');
        blas.gemm(true, false, ck, count * L, co, 1, weight, ck, g, count * L, 0, dcols, count * L);
        foldImages(dcols, dx, w, first, count);
      });
      return true;
    },
  };
}
