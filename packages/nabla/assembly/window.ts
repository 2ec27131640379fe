// Sliding-window kernels on [planes, height, width] float32 planes: im2col, its adjoint col2im,
// and max pooling with argmax indices. Each works on a range of planes so threads split by plane.
// Semantics mirror the JS reference in src/backend/js/conv.ts and pool.ts exactly.

import { Win } from './layout.generated';

// A 2-D window: its field order is the job words' from WIN (WINDOW_FIELDS in src/backend/wasm/layout.ts).
export { Win };

// @ts-ignore: decorator
@inline function validLo(shift: i32, stride: i32, outW: i32): i32 {
  // First ow with ow * stride - shift >= 0.
  return min(outW, max(0, (shift + stride - 1) / stride));
}

// @ts-ignore: decorator
@inline function validHi(lo: i32, shift: i32, stride: i32, width: i32, outW: i32): i32 {
  // One past the last ow with ow * stride - shift < width.
  return max(lo, min(outW, (width + shift + stride - 1) / stride));
}

// Rows of a small image are a few dozen bytes, and V8 runs memory.copy and memory.fill as calls
// into the runtime that cost more than such a row; these inline loops move 16 bytes per step.

/** Copies `n` floats from `src` to `dst` (non-overlapping). */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, v128.load(src + <usize>i * 4));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(src + <usize>i * 4));
}

/** Sets `n` floats at `dst` to zero. */
// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, i32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, 0);
}

/** im2col for planes [p0, p1): each plane fills its kernelH*kernelW rows of outH*outW columns. */
export function im2colPlanes(w: Win, x: usize, cols: usize, p0: i32, p1: i32): void {
  const kH = w.kernelH, kW = w.kernelW, sH = w.strideH, sW = w.strideW, pH = w.padH, pW = w.padW;
  const dH = w.dilationH, dW = w.dilationW, outH = w.outH, outW = w.outW, height = w.height, width = w.width;
  const rowBytes = <usize>outW * 4;
  for (let p = p0; p < p1; p++) {
    const plane = x + <usize>p * height * width * 4;
    let ci = cols + <usize>p * kH * kW * outH * rowBytes;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const shift = pW - kj * dW;
        const lo = validLo(shift, sW, outW), hi = validHi(lo, shift, sW, width, outW);
        for (let oh = 0; oh < outH; oh++, ci += rowBytes) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= height || lo >= hi) {
            zeroFloats(ci, outW);
            continue;
          }
          if (lo > 0) zeroFloats(ci, lo);
          if (hi < outW) zeroFloats(ci + <usize>hi * 4, outW - hi);
          const src = plane + (<usize>ih * width - shift) * 4;
          if (sW == 1) {
            copyFloats(ci + <usize>lo * 4, src + <usize>lo * 4, hi - lo);
          } else {
            for (let ow = lo; ow < hi; ow++) store<f32>(ci + <usize>ow * 4, load<f32>(src + <usize>ow * sW * 4));
          }
        }
      }
    }
  }
}

/** col2im for planes [p0, p1): overwrites each plane with the sum of the column entries reading it. */
export function col2imPlanes(w: Win, cols: usize, x: usize, p0: i32, p1: i32): void {
  const kH = w.kernelH, kW = w.kernelW, sH = w.strideH, sW = w.strideW, pH = w.padH, pW = w.padW;
  const dH = w.dilationH, dW = w.dilationW, outH = w.outH, outW = w.outW, height = w.height, width = w.width;
  const rowBytes = <usize>outW * 4;
  for (let p = p0; p < p1; p++) {
    const plane = x + <usize>p * height * width * 4;
    memory.fill(plane, 0, <usize>height * width * 4);
    let ci = cols + <usize>p * kH * kW * outH * rowBytes;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const shift = pW - kj * dW;
        const lo = validLo(shift, sW, outW), hi = validHi(lo, shift, sW, width, outW);
        for (let oh = 0; oh < outH; oh++, ci += rowBytes) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= height) continue;
          const dst = plane + (<usize>ih * width - shift) * 4;
          let ow = lo;
          if (sW == 1) {
            for (; ow + 4 <= hi; ow += 4) {
              const at = dst + <usize>ow * 4;
              v128.store(at, f32x4.add(v128.load(at), v128.load(ci + <usize>ow * 4)));
            }
          }
          for (; ow < hi; ow++) {
            const at = dst + <usize>ow * sW * 4;
            store<f32>(at, load<f32>(at) + load<f32>(ci + <usize>ow * 4));
          }
        }
      }
    }
  }
}

/** Scalar max over one window (reference order and rules); used for the columns SIMD leaves over. */
// @ts-ignore: decorator
@inline function windowMax(row0: usize, width: i32, h0: i32, w0: i32, kH: i32, kW: i32, out: usize, idx: usize): void {
  let best: f32 = -Infinity;
  let bestIdx = h0 * width + w0;
  for (let h = h0; h < h0 + kH; h++) {
    for (let c = w0; c < w0 + kW; c++) {
      const v = load<f32>(row0 + <usize>(h * width + c) * 4);
      if (v > best || (v != v && best == best)) {
        best = v;
        bestIdx = h * width + c;
      }
    }
  }
  store<f32>(out, best);
  store<i32>(idx, bestIdx);
}

/**
 * Max pooling without padding or dilation, every window inside the plane: four output columns
 * at a time with SIMD compares and bit-selects (scalar compares would mispredict on random data,
 * and V8 lowers a float `select` to a branch). Same rule as the reference: the first maximum in
 * row-major order, the first NaN once one is seen.
 */
function maxPoolInside(w: Win, x: usize, out: usize, indices: usize, p0: i32, p1: i32): void {
  const kH = w.kernelH, kW = w.kernelW, sH = w.strideH, sW = w.strideW;
  const outH = w.outH, outW = w.outW, height = w.height, width = w.width;
  const lanes = i32x4(0, sW, 2 * sW, 3 * sW);
  const sw4 = <usize>sW * 4;
  let o = <usize>p0 * outH * outW;
  for (let p = p0; p < p1; p++) {
    const base = x + <usize>p * height * width * 4;
    for (let oh = 0; oh < outH; oh++, o += <usize>outW) {
      const h0 = oh * sH;
      let ow = 0;
      for (; ow + 4 <= outW; ow += 4) {
        let best = f32x4.splat(-Infinity);
        let bestIdx = i32x4.add(i32x4.splat(h0 * width + ow * sW), lanes);
        for (let h = h0; h < h0 + kH; h++) {
          for (let j = 0; j < kW; j++) {
            const c = ow * sW + j;
            const at = base + <usize>(h * width + c) * 4;
            let v = f32x4.splat(load<f32>(at));
            v = f32x4.replace_lane(v, 1, load<f32>(at + sw4));
            v = f32x4.replace_lane(v, 2, load<f32>(at + 2 * sw4));
            v = f32x4.replace_lane(v, 3, load<f32>(at + 3 * sw4));
            const take = v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
            best = v128.bitselect(v, best, take);
            bestIdx = v128.bitselect(i32x4.add(i32x4.splat(h * width + c), lanes), bestIdx, take);
          }
        }
        v128.store(out + (o + <usize>ow) * 4, best);
        v128.store(indices + (o + <usize>ow) * 4, bestIdx);
      }
      for (; ow < outW; ow++) windowMax(base, width, h0, ow * sW, kH, kW, out + (o + <usize>ow) * 4, indices + (o + <usize>ow) * 4);
    }
  }
}

/** Lanes where candidate `v` replaces `best`: larger, or the first NaN (the reference's rule). */
// @ts-ignore: decorator
@inline function takeMax(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

/**
 * 2x2 windows with stride 2 inside the plane (the usual CNN pooling): four outputs at a time from
 * two 8-float loads per row, split into even and odd columns by shuffles instead of gathered
 * element by element. Candidates in row-major window order, so ties and NaNs resolve as the reference.
 */
function maxPool2x2(w: Win, x: usize, out: usize, indices: usize, p0: i32, p1: i32): void {
  const outH = w.outH, outW = w.outW, height = w.height, width = w.width;
  const lanes = i32x4(0, 2, 4, 6);
  let o = <usize>p0 * outH * outW;
  for (let p = p0; p < p1; p++) {
    const base = x + <usize>p * height * width * 4;
    for (let oh = 0; oh < outH; oh++, o += <usize>outW) {
      const r0 = base + <usize>(2 * oh) * width * 4, r1 = r0 + <usize>width * 4;
      const rowIdx = 2 * oh * width;
      let ow = 0;
      // Four outputs read input columns 2ow .. 2ow+7, all inside the row while 2ow + 8 <= width.
      for (; ow + 4 <= outW && 2 * ow + 8 <= width; ow += 4) {
        const at = <usize>(2 * ow) * 4;
        const a0 = v128.load(r0 + at), a1 = v128.load(r0 + at, 16);
        const b0 = v128.load(r1 + at), b1 = v128.load(r1 + at, 16);
        const i00 = i32x4.add(i32x4.splat(rowIdx + 2 * ow), lanes);
        let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        let bestIdx = i00;
        let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        let vi = i32x4.add(i00, i32x4.splat(1));
        let take = takeMax(v, best);
        best = v128.bitselect(v, best, take); bestIdx = v128.bitselect(vi, bestIdx, take);
        v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        vi = i32x4.add(i00, i32x4.splat(width));
        take = takeMax(v, best);
        best = v128.bitselect(v, best, take); bestIdx = v128.bitselect(vi, bestIdx, take);
        v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        vi = i32x4.add(i00, i32x4.splat(width + 1));
        take = takeMax(v, best);
        best = v128.bitselect(v, best, take); bestIdx = v128.bitselect(vi, bestIdx, take);
        v128.store(out + (o + <usize>ow) * 4, best);
        v128.store(indices + (o + <usize>ow) * 4, bestIdx);
      }
      for (; ow < outW; ow++) windowMax(base, width, 2 * oh, 2 * ow, 2, 2, out + (o + <usize>ow) * 4, indices + (o + <usize>ow) * 4);
    }
  }
}

/** Max pooling for planes [p0, p1), first maximum on ties, NaN wins (as the reference). */
export function maxPoolPlanes(w: Win, x: usize, out: usize, indices: usize, p0: i32, p1: i32): void {
  const kH = w.kernelH, kW = w.kernelW, sH = w.strideH, sW = w.strideW, pH = w.padH, pW = w.padW;
  const dH = w.dilationH, dW = w.dilationW, outH = w.outH, outW = w.outW, height = w.height, width = w.width;
  const inside = pH == 0 && pW == 0 && dH == 1 && dW == 1 && (outH - 1) * sH + kH <= height && (outW - 1) * sW + kW <= width;
  if (inside && kH == 2 && kW == 2 && sH == 2 && sW == 2) {
    maxPool2x2(w, x, out, indices, p0, p1);
    return;
  }
  if (inside) {
    maxPoolInside(w, x, out, indices, p0, p1);
    return;
  }
  let o = <usize>p0 * outH * outW;
  for (let p = p0; p < p1; p++) {
    const base = x + <usize>p * height * width * 4;
    for (let oh = 0; oh < outH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = min(h0 + (kH - 1) * dH + 1, height);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < outW; ow++, o++) {
        let w0 = ow * sW - pW;
        const w1 = min(w0 + (kW - 1) * dW + 1, width);
        while (w0 < 0) w0 += dW;
        let best: f32 = -Infinity;
        let bestIdx = h0 * width + w0;
        for (let h = h0; h < h1; h += dH) {
          const row = base + <usize>h * width * 4;
          for (let c = w0; c < w1; c += dW) {
            const v = load<f32>(row + <usize>c * 4);
            if (v > best || v != v) {
              best = v;
              bestIdx = h * width + c;
              if (v != v) break;
            }
          }
          if (best != best) break;
        }
        store<f32>(out + o * 4, best);
        store<i32>(indices + o * 4, bestIdx);
      }
    }
  }
}
