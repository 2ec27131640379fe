// Sliding-window kernels on [planes, height, width] float32 planes: im2col, its adjoint col2im,
// and max pooling with argmax indices. Each works on a range of planes so threads split by plane.
// Semantics mirror the JS reference in src/backend/js/conv.ts and pool.ts exactly.

/** A 2-D window; field order of the job words starting at WIN in index.ts. */
@unmanaged
export class Win {
  batch: i32; channels: i32; height: i32; width: i32; kernelH: i32; kernelW: i32;
  strideH: i32; strideW: i32; padH: i32; padW: i32; dilationH: i32; dilationW: i32; outH: i32; outW: i32;
}

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
            memory.fill(ci, 0, rowBytes);
            continue;
          }
          if (lo > 0) memory.fill(ci, 0, <usize>lo * 4);
          if (hi < outW) memory.fill(ci + <usize>hi * 4, 0, <usize>(outW - hi) * 4);
          const src = plane + (<usize>ih * width - shift) * 4;
          if (sW == 1) {
            memory.copy(ci + <usize>lo * 4, src + <usize>lo * 4, <usize>(hi - lo) * 4);
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

/**
 * Max pooling without padding or dilation, every window inside the plane: branch-free selects
 * (random data would mispredict the reference's compare on most elements). Same rule: the first
 * maximum in row-major order, the first NaN once one is seen.
 */
function maxPoolInside(w: Win, x: usize, out: usize, indices: usize, p0: i32, p1: i32): void {
  const kH = w.kernelH, kW = w.kernelW, sH = w.strideH, sW = w.strideW;
  const outH = w.outH, outW = w.outW, height = w.height, width = w.width;
  let o = <usize>p0 * outH * outW;
  for (let p = p0; p < p1; p++) {
    const base = x + <usize>p * height * width * 4;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sH;
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * sW;
        let best: f32 = -Infinity;
        let bestIdx = h0 * width + w0;
        for (let h = h0; h < h0 + kH; h++) {
          const row = base + <usize>h * width * 4;
          for (let c = w0; c < w0 + kW; c++) {
            const v = load<f32>(row + <usize>c * 4);
            const take = (v > best) | ((v != v) & (best == best));
            best = select<f32>(v, best, take);
            bestIdx = select<i32>(h * width + c, bestIdx, take);
          }
        }
        store<f32>(out + o * 4, best);
        store<i32>(indices + o * 4, bestIdx);
      }
    }
  }
}

/** Max pooling for planes [p0, p1), first maximum on ties, NaN wins (as the reference). */
export function maxPoolPlanes(w: Win, x: usize, out: usize, indices: usize, p0: i32, p1: i32): void {
  const kH = w.kernelH, kW = w.kernelW, sH = w.strideH, sW = w.strideW, pH = w.padH, pW = w.padW;
  const dH = w.dilationH, dW = w.dilationW, outH = w.outH, outW = w.outW, height = w.height, width = w.width;
  if (pH == 0 && pW == 0 && dH == 1 && dW == 1 && (outH - 1) * sH + kH <= height && (outW - 1) * sW + kW <= width) {
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
