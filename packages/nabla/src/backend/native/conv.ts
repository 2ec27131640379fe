import type { FloatArray } from '../../tensor/dtype.js';
import type { ConvWindow, Kernels } from '../kernels.js';
import type { Blas } from './blas.js';
import { type ConvKernels, f32 } from './c-kernels.js';
import { from, sameFloat } from './gemm.js';

/**
 * Unfolded elements per chunk of images: one GEMM covers a chunk, whose columns (512 KiB in
 * float32) stay in the core's L2 cache between the unfolding that writes them and the GEMM that
 * reads them. Against 16 MiB chunks (a whole LeNet-5 batch at once), training steps ran 7.6%
 * faster on LeNet-5 (b64, paired rounds in one process: 15 of 16 won) and 5% on the Fashion-MNIST
 * CNN (b128, 8 of 8 won); 256 KiB chunks ran the same as 512 KiB.
 */
let chunkFloats = 1 << 17;

/** @internal Sets the window length below which the base's fused kernel runs (tests pass 0 to force the GEMMs); returns the old value. */
export function setNativeThinK(k: number): number {
  const old = thinK;
  thinK = k;
  return old;
}

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

/** Unfolded window length below which forward and weight gradient run as a direct convolution (the compiled thin kernels, else the base backend's fused kernel); 0 turns every direct path off (tests). */
let thinK = 64;

/** Output channels up to which a stride-1 forward pass runs as a direct convolution whatever its window. */
const DIRECT_MAX_OUT_CHANNELS = 64;

/**
 * Whether the forward pass runs on the compiled direct kernel although its window is long: stride
 * 1 (the kernel's padded-grid path) and at most 64 output channels, where the direct kernel's eight
 * channels per pass beat unfolding + GEMM (fastest of 20 calls, 1 thread: LeNet-5's 6→16 layer
 * 0.33 vs 0.64 ms, the Fashion-MNIST CNN's 32→64 7.96 vs 8.60, 64→64 3×3 on 16×16 4.79 vs 5.43;
 * also 128→128 on 8×8, 5.19 vs 6.66, left to the GEMM; the bound predates the thread pool, which
 * now runs both paths on every thread, and was not measured again). The weight and input gradients
 * stay GEMMs: the direct weight gradient measured 1.8x slower.
 */
function directForward(w: ConvWindow): boolean {
  return thinK > 0 && w.strideH === 1 && w.strideW === 1 && w.outChannels <= DIRECT_MAX_OUT_CHANNELS;
}

function isPointwise(w: ConvWindow): boolean {
  return (
    w.kernelH === 1 &&
    w.kernelW === 1 &&
    w.strideH === 1 &&
    w.strideW === 1 &&
    w.padH === 0 &&
    w.padW === 0 &&
    w.outH === w.height &&
    w.outW === w.width
  );
}

/** Images per chunk: as many as keep the chunk's unfolded columns within `chunkFloats`. */
function chunkImages(w: ConvWindow): number {
  const per = Math.max(1, w.channels * w.kernelH * w.kernelW * w.outH * w.outW);
  return Math.max(1, Math.floor(chunkFloats / per));
}

/** Calls `fn(first, count)` over chunks of the batch sized so each chunk's columns fit `chunkFloats`. */
function chunks(w: ConvWindow, fn: (first: number, count: number) => void): void {
  const step = chunkImages(w);
  for (let first = 0; first < w.batch; first += step) fn(first, Math.min(step, w.batch - first));
}

/**
 * Convolution (groups 1) as im2col + GEMM on the BLAS. With nabla's compiled kernels (`compiled`)
 * the forward pass unfolds a chunk of images into one matrix for a single wide GEMM (`wideConv`);
 * otherwise, and for the gradients, a chunk is unfolded by the base backend's window kernels
 * (the compiled im2col/col2im, else WASM SIMD; the chunk bounds the columns' memory) and one GEMM
 * per image multiplies in place. Layers whose unfolded window is short (ck < 64: a first layer on
 * 1-3 channels) run forward and weight gradient as a direct convolution (the compiled thin kernels,
 * else the base backend's fused kernel): GEMMs with K = 9 or 25 spend their time packing
 * (Fashion-MNIST's 1→32 3×3 layer, b128: 7.2 ms native vs 3.3 ms WASM forward; fastest of 15 calls
 * on the loaded 2-core machine, bench/native-conv.ts). With the compiled kernels, a stride-1 forward
 * pass of up to 64 output channels is a direct convolution too, whatever its window (`directForward`).
 * Where the compiled kernels run the GEMMs (their thread pool found the BLAS, pool.ts), the unfolding
 * + GEMM paths run there instead, a chunk of images per block of the pool (`compiled.gemm`).
 */
export function makeNativeConv(
  blas: Blas,
  base: Pick<Kernels, 'im2col' | 'col2im' | 'conv2d'>,
  compiled: ConvKernels | null = null,
): NonNullable<Kernels['conv2d']> {
  const wide = compiled ? wideConv(blas, compiled) : null;
  /** The chunk's unfolded input `[count, ck, L]`: x itself for a pointwise window, else im2col'd. */
  const unfolded = (x: FloatArray, w: ConvWindow, first: number, count: number, ck: number, L: number): FloatArray => {
    const per = w.channels * w.height * w.width;
    const images = x.subarray(first * per, (first + count) * per);
    if (isPointwise(w)) return images;
    const cols = temp(x, count * ck * L, 'cols');
    base.im2col(images, cols, count === w.batch ? w : { ...w, batch: count });
    return cols;
  };
  const empty = (w: ConvWindow): boolean => w.batch === 0 || w.outChannels === 0 || w.outH * w.outW === 0;
  return {
    forward(x, weight, bias, out, w) {
      if (!sameFloat(x, weight, bias, out)) return false;
      const co = w.outChannels;
      const ck = w.channels * w.kernelH * w.kernelW;
      if (compiled && f32(x, weight, bias, out) && (ck < thinK || directForward(w))) {
        compiled.thinForward(
          x as Float32Array,
          weight as Float32Array,
          bias as Float32Array | null,
          out as Float32Array,
          w,
        );
        return true;
      }
      if (ck < thinK && base.conv2d?.forward(x, weight, bias, out, w)) return true;
      const L = w.outH * w.outW;
      if (empty(w)) return true;
      const gemm = compiled?.gemm;
      if (gemm && ck > 0 && f32(x, weight, bias, out)) {
        const ok = gemm.forward(
          x as Float32Array,
          weight as Float32Array,
          bias as Float32Array | null,
          out as Float32Array,
          w,
          chunkImages(w),
        );
        if (ok) return true;
      }
      if (wide?.forward(x, weight, bias, out, w)) return true;
      if (ck === 0) out.fill(0);
      else {
        chunks(w, (first, count) => {
          const cols = unfolded(x, w, first, count, ck, L);
          for (let i = 0; i < count; i++)
            blas.gemm(
              false,
              false,
              co,
              L,
              ck,
              1,
              weight,
              ck,
              from(cols, i * ck * L),
              L,
              0,
              from(out, (first + i) * co * L),
              L,
            );
        });
      }
      if (bias && compiled && bias instanceof Float32Array && out instanceof Float32Array) {
        compiled.addChannelBias(out, bias, w.batch * co, co, L);
      } else if (bias) {
        for (let p = 0, c = 0; p < w.batch * co; p++, c = c + 1 === co ? 0 : c + 1) {
          const b = bias[c];
          for (let i = p * L, end = i + L; i < end; i++) out[i] += b;
        }
      }
      return true;
    },
    weightGrad(dy, x, dw, db, w) {
      if (!sameFloat(dy, x, dw, db)) return false;
      const co = w.outChannels;
      const ck = w.channels * w.kernelH * w.kernelW;
      if (ck < thinK && compiled && f32(dy, x, dw, db)) {
        compiled.thinWeightGrad(dy as Float32Array, x as Float32Array, dw as Float32Array, w);
        if (db) compiled.channelSums(dy as Float32Array, db as Float32Array, w.batch, w.outChannels, w.outH * w.outW);
        return true;
      }
      if (ck < thinK && base.conv2d?.weightGrad(dy, x, dw, db, w)) return true;
      const L = w.outH * w.outW;
      dw.fill(0);
      if (db && compiled && db instanceof Float32Array && dy instanceof Float32Array) {
        compiled.channelSums(dy, db, w.batch, co, L);
      } else if (db) {
        // float64 sums per channel, as the reference's bias gradient.
        for (let c = 0; c < co; c++) {
          let s = 0;
          for (let n = 0; n < w.batch; n++) for (let i = (n * co + c) * L, end = i + L; i < end; i++) s += dy[i];
          db[c] = s;
        }
      }
      if (empty(w) || ck === 0) return true;
      const gemm = compiled?.gemm;
      if (gemm && f32(dy, x, dw)) {
        if (gemm.weightGrad(dy as Float32Array, x as Float32Array, dw as Float32Array, w, chunkImages(w))) return true;
        dw.fill(0);
      }
      if (wide?.weightGrad(dy, x, dw, w)) return true;
      chunks(w, (first, count) => {
        const cols = unfolded(x, w, first, count, ck, L);
        for (let i = 0; i < count; i++)
          blas.gemm(false, true, co, ck, L, 1, from(dy, (first + i) * co * L), L, from(cols, i * ck * L), L, 1, dw, ck);
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
      const gemm = compiled?.gemm;
      if (gemm && f32(dy, weight, dx)) {
        if (gemm.inputGrad(dy as Float32Array, weight as Float32Array, dx as Float32Array, w, chunkImages(w)))
          return true;
      }
      const per = w.channels * w.height * w.width;
      chunks(w, (first, count) => {
        const images = dx.subarray(first * per, (first + count) * per);
        const dcols = isPointwise(w) ? images : temp(dx, count * ck * L, 'cols');
        for (let i = 0; i < count; i++)
          blas.gemm(
            true,
            false,
            ck,
            L,
            co,
            1,
            weight,
            ck,
            from(dy, (first + i) * co * L),
            L,
            0,
            from(dcols, i * ck * L),
            L,
          );
        if (!isPointwise(w)) base.col2im(dcols, images, count === w.batch ? w : { ...w, batch: count });
      });
      return true;
    },
  };
}

/**
 * The forward convolution as one wide GEMM per chunk of images, on the compiled kernels'
 * layouts: the chunk unfolds into a single `[ck, count·L]` matrix (nabla_im2col_wide), so the
 * BLAS sees N = count·L columns instead of count GEMMs of L, and the `[co, count·L]` product moves
 * into `[count, co, L]` with the bias added in the same pass. bench/native-conv.ts, fastest of 15
 * on the loaded 2-core machine: LeNet-5's 6→16 layer 0.65 vs 1.6 ms, the Fashion-MNIST CNN's
 * 32→64 layer 19 vs 34 ms (per-image GEMMs on the compiled im2col). The weight gradient is one
 * GEMM per chunk too, with dy moved into the `[co, count·L]` layout: 5-10% faster than per image
 * (LeNet-5's 6→16 layer 0.87-1.07 vs 0.91-1.19 ms, the 32→64 layer 14.1-15.4 vs 15.6-15.8 ms, two
 * runs on the quiet machine). The input gradient stays per image on the compiled col2im. Only for
 * float32 with groups 1 and a non-empty window (the caller checks).
 */
function wideConv(blas: Blas, k: ConvKernels) {
  const sub = (w: ConvWindow, count: number): ConvWindow => (count === w.batch ? w : { ...w, batch: count });
  return {
    forward(x: FloatArray, weight: FloatArray, bias: FloatArray | null, out: FloatArray, w: ConvWindow): boolean {
      const ck = w.channels * w.kernelH * w.kernelW;
      if (!f32(x, weight, bias, out) || ck === 0) return false;
      const [co, L, per] = [w.outChannels, w.outH * w.outW, w.channels * w.height * w.width];
      chunks(w, (first, count) => {
        const cols = temp(x, ck * count * L, 'cols') as Float32Array;
        k.im2colWide(x.subarray(first * per, (first + count) * per) as Float32Array, cols, sub(w, count));
        const y = temp(x, co * count * L, 'tmp') as Float32Array;
        blas.gemm(false, false, co, count * L, ck, 1, weight, ck, cols, count * L, 0, y, count * L);
        const dst = out.subarray(first * co * L, (first + count) * co * L) as Float32Array;
        k.channelsToBatch(y, dst, bias as Float32Array | null, count, co, L);
      });
      return true;
    },
    /** `dw += dy · colsᵀ` as one GEMM per chunk with K = count·L (dw zeroed by the caller). */
    weightGrad(dy: FloatArray, x: FloatArray, dw: FloatArray, w: ConvWindow): boolean {
      const ck = w.channels * w.kernelH * w.kernelW;
      if (!f32(dy, x, dw) || ck === 0) return false;
      const [co, L, per] = [w.outChannels, w.outH * w.outW, w.channels * w.height * w.width];
      chunks(w, (first, count) => {
        const cols = temp(x, ck * count * L, 'cols') as Float32Array;
        k.im2colWide(x.subarray(first * per, (first + count) * per) as Float32Array, cols, sub(w, count));
        const g = temp(x, co * count * L, 'tmp') as Float32Array;
        k.batchToChannels(dy.subarray(first * co * L, (first + count) * co * L) as Float32Array, g, count, co, L);
        blas.gemm(false, true, co, ck, count * L, 1, g, count * L, cols, count * L, 1, dw, ck);
      });
      return true;
    },
  };
}
