// Convolution (groups 1) one image at a time, with that image's unfolded columns living only in
// the calling thread's scratch: the columns of a whole batch are the largest arrays of a CNN step,
// and unfolding image by image keeps them in cache instead of writing them out and reading them
// back for the GEMM. Per image n, with cols = im2col(x[n]) of shape [ck, L]:
//   forward       y[n]  = W · cols (+ bias)           W [co, ck]
//   weight grad   dW   += dy[n] · colsᵀ, db += Σ dy[n] over positions
//   input grad    dx[n] = col2im(Wᵀ · dy[n])
import { gemm } from './gemm';
import { col2imPlanes, im2colPlanes, Win } from './window';

// @ts-ignore: decorator
@inline function unfoldSize(w: Win): i32 {
  return w.channels * w.kernelH * w.kernelW;
}

/** dst[i] += src[i] for `count` floats. */
function addInto(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const at = <usize>i * 4;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
  }
  for (; i < count; i++) store<f32>(dst + <usize>i * 4, load<f32>(dst + <usize>i * 4) + load<f32>(src + <usize>i * 4));
}

/** Sum of `count` floats at `p` in double precision (two floats per f64x2 lane pair, four running sums). */
function rowSum(p: usize, count: i32): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const v = v128.load(p + <usize>i * 4);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  let s = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; i < count; i++) s += <f64>load<f32>(p + <usize>i * 4);
  return s;
}

/** y[n] = W · im2col(x[n]) (+ bias per output channel, added after the product like the reference). */
export function convForwardImage(w: Win, co: i32, x: usize, wt: usize, bias: usize, y: usize, cols: usize, scratch: usize, n: i32): void {
  const ck = unfoldSize(w), L = w.outH * w.outW;
  im2colPlanes(w, x + <usize>n * w.channels * w.height * w.width * 4, cols, 0, w.channels);
  const yn = y + <usize>n * co * L * 4;
  gemm(co, L, ck, wt, ck, 1, cols, L, 1, yn, L, scratch);
  if (bias == 0) return;
  for (let c = 0; c < co; c++) {
    const b = load<f32>(bias + <usize>c * 4);
    const bv = f32x4.splat(b);
    const row = yn + <usize>c * L * 4;
    let i = 0;
    for (; i + 4 <= L; i += 4) v128.store(row + <usize>i * 4, f32x4.add(v128.load(row + <usize>i * 4), bv));
    for (; i < L; i++) store<f32>(row + <usize>i * 4, load<f32>(row + <usize>i * 4) + b);
  }
}

/**
 * Adds images [n0, n1)'s weight gradient dy[n] · colsᵀ into `part` ([co, ck]) and, when `dbPart`
 * is not 0, their per-channel sums of dy into `dbPart` ([co]). `tmp` holds one image's product.
 */
export function convWeightGradImages(
  w: Win, co: i32, x: usize, dy: usize, part: usize, dbPart: usize, cols: usize, tmp: usize, scratch: usize, n0: i32, n1: i32,
): void {
  const ck = unfoldSize(w), L = w.outH * w.outW;
  for (let n = n0; n < n1; n++) {
    im2colPlanes(w, x + <usize>n * w.channels * w.height * w.width * 4, cols, 0, w.channels);
    const dyn = dy + <usize>n * co * L * 4;
    gemm(co, ck, L, dyn, L, 1, cols, 1, L, tmp, ck, scratch);
    addInto(part, tmp, co * ck);
    if (dbPart == 0) continue;
    for (let c = 0; c < co; c++) {
      const at = dbPart + <usize>c * 4;
      store<f32>(at, <f32>(<f64>load<f32>(at) + rowSum(dyn + <usize>c * L * 4, L)));
    }
  }
}

/** dx[n] = col2im(Wᵀ · dy[n]), overwriting the image. */
export function convInputGradImage(w: Win, co: i32, dy: usize, wt: usize, dx: usize, cols: usize, scratch: usize, n: i32): void {
  const ck = unfoldSize(w), L = w.outH * w.outW;
  gemm(ck, L, co, wt, 1, ck, dy + <usize>n * co * L * 4, L, 1, cols, L, scratch);
  col2imPlanes(w, cols, dx + <usize>n * w.channels * w.height * w.width * 4, 0, w.channels);
}
