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

/** Rows and columns of the zero-padded image `unfold` reads (a window reaches up to the last one). */
// @ts-ignore: decorator
@inline function paddedRows(w: Win): i32 {
  return max(w.height + w.padH, (w.outH - 1) * w.strideH + w.kernelH);
}
// @ts-ignore: decorator
@inline function paddedCols(w: Win): i32 {
  return max(w.width + w.padW, w.outW - 1 + w.kernelW);
}

/** Whether `unfold` takes its fast path: unit column stride, no dilation. */
// @ts-ignore: decorator
@inline function plainWindow(w: Win): bool {
  return w.strideW == 1 && w.dilationH == 1 && w.dilationW == 1;
}

/** Floats of a thread's padded-image area: 0 unless the fast path needs a padded copy. */
function paddedImageFloats(w: Win): i64 {
  return plainWindow(w) && (w.padH != 0 || w.padW != 0) ? <i64>w.channels * paddedRows(w) * paddedCols(w) : 0;
}

/**
 * Bytes of one thread's area in a convolution job with `co` output channels, 64-byte aligned: an
 * image's columns [ck, L], a [co, ck] product (weight grad), then the zero-padded image. The JS
 * side reserves `threads` of these through the module's `convAreaBytes`, so this is the only
 * formula; sizes past 2^31 - 1 bytes come back as that (they never fit the memory).
 */
export function threadAreaBytes(w: Win, co: i32): i32 {
  const ck = <i64>unfoldSize(w);
  const floats = ck * w.outH * w.outW + <i64>co * ck + paddedImageFloats(w);
  return <i32>min<i64>((floats * 4 + 63) / 64 * 64, 0x7fffffff);
}

/** Copies n floats, 16 bytes a step; the last 1-3 as one vector ending at n (n >= 4), overlapping. */
// @ts-ignore: decorator
@inline function copyRow(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(src + <usize>i * 4));
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, v128.load(src + <usize>i * 4));
  if (i < n) v128.store(dst + <usize>(n - 4) * 4, v128.load(src + <usize>(n - 4) * 4));
}

/** dst[i] += src[i] for n floats (non-overlapping). */
// @ts-ignore: decorator
@inline function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, f32x4.add(v128.load(dst + <usize>i * 4), v128.load(src + <usize>i * 4)));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(dst + <usize>i * 4) + load<f32>(src + <usize>i * 4));
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

/**
 * The rows of cols [ck, L] against the image rows they read, for unit column stride and no
 * dilation: row (c, ki, kj) of cols is outH runs of outW floats, run oh starting at image row
 * oh·strideH + ki, column kj of channel c (an image of Hp × Wp per channel). Copies the image
 * into cols (im2col) or adds cols into the image (col2im, rows in order as the reference adds them).
 * Inlined, so each call site's constant `addIntoImage` takes the branch out of the loop.
 */
// @ts-ignore: decorator
@inline function windowRows(w: Win, image: usize, Hp: i32, Wp: i32, cols: usize, addIntoImage: bool): void {
  const outH = w.outH, outW = w.outW, kH = w.kernelH, kW = w.kernelW;
  const rowStep = <usize>w.strideH * Wp * 4;
  let at = cols;
  for (let c = 0; c < w.channels; c++) {
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        let row = image + ((<usize>c * Hp + ki) * Wp + kj) * 4;
        for (let oh = 0; oh < outH; oh++, row += rowStep, at += <usize>outW * 4) {
          if (addIntoImage) addFloats(row, at, outW);
          else copyRow(at, row, outW);
        }
      }
    }
  }
}

/** Copies each channel's H × W image between `x` and the interior of the padded image `pad` (either way). */
function padInterior(w: Win, x: usize, pad: usize, toPad: bool): void {
  const H = w.height, W = w.width, Hp = paddedRows(w), Wp = paddedCols(w);
  for (let c = 0; c < w.channels; c++) {
    for (let r = 0; r < H; r++) {
      const plain = x + (<usize>c * H + r) * W * 4, padded = pad + ((<usize>c * Hp + r + w.padH) * Wp + w.padW) * 4;
      if (toPad) copyRow(padded, plain, W);
      else copyRow(plain, padded, W);
    }
  }
}

/**
 * im2col of one image into cols [ck, L]. With unit column stride and no dilation every row of
 * cols is straight copies from the image, or from a zero-padded copy of it (in `pad`) when the
 * window has padding: no per-row bounds or zero-fill logic (which cost as much as the copies for
 * LeNet's 28-wide rows). Other windows go through the general im2colPlanes.
 */
function unfold(w: Win, x: usize, cols: usize, pad: usize): void {
  if (!plainWindow(w)) {
    im2colPlanes(w, x, cols, 0, w.channels);
    return;
  }
  if (w.padH == 0 && w.padW == 0) {
    windowRows(w, x, w.height, w.width, cols, false);
    return;
  }
  memory.fill(pad, 0, <usize>paddedImageFloats(w) * 4);
  padInterior(w, x, pad, true);
  windowRows(w, pad, paddedRows(w), paddedCols(w), cols, false);
}

/** col2im of one image (the adjoint of `unfold`), overwriting x; general windows go through col2imPlanes. */
function fold(w: Win, cols: usize, x: usize, pad: usize): void {
  if (!plainWindow(w)) {
    col2imPlanes(w, cols, x, 0, w.channels);
    return;
  }
  if (w.padH == 0 && w.padW == 0) {
    memory.fill(x, 0, <usize>w.channels * w.height * w.width * 4);
    windowRows(w, x, w.height, w.width, cols, true);
    return;
  }
  memory.fill(pad, 0, <usize>paddedImageFloats(w) * 4);
  windowRows(w, pad, paddedRows(w), paddedCols(w), cols, true);
  padInterior(w, x, pad, false);
}

/** y[n] = W · im2col(x[n]) (+ bias per output channel, added after the product like the reference). */
export function convForwardImage(w: Win, co: i32, x: usize, wt: usize, bias: usize, y: usize, cols: usize, pad: usize, scratch: usize, n: i32): void {
  const ck = unfoldSize(w), L = w.outH * w.outW;
  unfold(w, x + <usize>n * w.channels * w.height * w.width * 4, cols, pad);
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
  w: Win, co: i32, x: usize, dy: usize, part: usize, dbPart: usize, cols: usize, tmp: usize, pad: usize, scratch: usize, n0: i32, n1: i32,
): void {
  const ck = unfoldSize(w), L = w.outH * w.outW;
  for (let n = n0; n < n1; n++) {
    unfold(w, x + <usize>n * w.channels * w.height * w.width * 4, cols, pad);
    const dyn = dy + <usize>n * co * L * 4;
    gemm(co, ck, L, dyn, L, 1, cols, 1, L, tmp, ck, scratch);
    addFloats(part, tmp, co * ck);
    if (dbPart == 0) continue;
    for (let c = 0; c < co; c++) {
      const at = dbPart + <usize>c * 4;
      store<f32>(at, <f32>(<f64>load<f32>(at) + rowSum(dyn + <usize>c * L * 4, L)));
    }
  }
}

/** dx[n] = col2im(Wᵀ · dy[n]), overwriting the image. */
export function convInputGradImage(w: Win, co: i32, dy: usize, wt: usize, dx: usize, cols: usize, pad: usize, scratch: usize, n: i32): void {
  const ck = unfoldSize(w), L = w.outH * w.outW;
  gemm(ck, L, co, wt, 1, ck, dy + <usize>n * co * L * 4, L, 1, cols, L, scratch);
  fold(w, cols, dx + <usize>n * w.channels * w.height * w.width * 4, pad);
}
