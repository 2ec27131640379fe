// Blocked, packed single-precision GEMM (BLIS loop order) with a 5x8 SIMD micro-kernel: ten
// accumulators, two B vectors, the broadcast A value and V8's temporary for mul+add fill 14 of
// the 15 vector registers V8 allocates on x64; 6x8 spills (measured 31 vs 56 GFLOP/s per core)
// and 4x8 spends a larger share of its instructions on loads and loop overhead (45 GFLOP/s).
// C[m, n] (row stride ldc) = A[m, k] * B[k, n]; A(i, p) lives at a + 4 * (i * rsA + p * csA),
// B(p, j) at b + 4 * (p * rsB + j * csB), so every transpose variant is only a choice of strides
// and the packing routines absorb it. Pointers are byte addresses in the (shared) linear memory.

import { gemvRows, useGemv } from './gemv';

// @ts-ignore: decorator
@inline export const MR: i32 = 5;
// @ts-ignore: decorator
@inline export const NR: i32 = 8;
// @ts-ignore: decorator
@inline export const KC: i32 = 256;
// @ts-ignore: decorator
@inline export const MC: i32 = 120;
// @ts-ignore: decorator
@inline export const NC: i32 = 2048;

/** Bytes of scratch one thread needs: packed A block, packed B panel, an edge tile (also a gathered row of A, up to MC * KC floats). */
export const SCRATCH_BYTES: i32 = (MC * KC + KC * NC + MR * NR) * 4;

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Transposes the 4x4 block whose rows are 4 floats at r, r + stride, r + 2 stride, r + 3 stride
 * (bytes) and stores its columns at dst, dst + step, dst + 2 step, dst + 3 step.
 */
// @ts-ignore: decorator
@inline function transpose4(r: usize, stride: usize, dst: usize, step: usize): void {
  const r0 = v128.load(r), r1 = v128.load(r + stride), r2 = v128.load(r + 2 * stride), r3 = v128.load(r + 3 * stride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * step, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** Packs rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row strips, zero-padding the last. */
function packA(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    if (rows == MR && rsA == 1) {
      // A stored transposed: the MR values of one k are adjacent.
      let src = a + (<usize>(i0 + ir) + <usize>p0 * csA) * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        store<f32>(dst, load<f32>(src, 16), 16);
        src += <usize>csA * 4;
        dst += MR * 4;
      }
      continue;
    }
    let p = 0;
    if (rows == MR && csA == 1) {
      // Row-major A: 4x4 blocks of (row, k) transposed into (k, row) order for the first four
      // rows, the fifth row's k values dropped into place one by one.
      const src = a + (<usize>(i0 + ir) * rsA + <usize>p0) * 4;
      const r4 = src + <usize>4 * rsA * 4;
      for (; p + 4 <= kc; p += 4) {
        const d = dst + <usize>p * MR * 4;
        transpose4(src + <usize>p * 4, <usize>rsA * 4, d, MR * 4);
        const v = v128.load(r4 + <usize>p * 4);
        store<f32>(d, f32x4.extract_lane(v, 0), 16);
        store<f32>(d, f32x4.extract_lane(v, 1), 36);
        store<f32>(d, f32x4.extract_lane(v, 2), 56);
        store<f32>(d, f32x4.extract_lane(v, 3), 76);
      }
      dst += <usize>p * MR * 4;
    }
    for (; p < kc; p++) {
      const col = a + <usize>(p0 + p) * csA * 4;
      for (let r = 0; r < MR; r++) {
        const v: f32 = r < rows ? load<f32>(col + <usize>(i0 + ir + r) * rsA * 4) : 0;
        store<f32>(dst + r * 4, v);
      }
      dst += MR * 4;
    }
  }
}

/** Packs rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column strips, zero-padding the last. */
function packB(b: usize, rsB: i32, csB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    if (cols == NR && csB == 1) {
      let src = b + (<usize>p0 * rsB + <usize>(j0 + jr)) * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += <usize>rsB * 4;
        dst += NR * 4;
      }
      continue;
    }
    let p = 0;
    if (cols == NR && rsB == 1) {
      // B stored transposed ([n, k], a Linear weight): 4x4 blocks of (column, k) into (k, column).
      const src = b + (<usize>p0 + <usize>(j0 + jr) * csB) * 4;
      const cs = <usize>csB * 4;
      for (; p + 4 <= kc; p += 4) {
        transpose4(src + <usize>p * 4, cs, dst + <usize>p * NR * 4, NR * 4);
        transpose4(src + 4 * cs + <usize>p * 4, cs, dst + <usize>p * NR * 4 + 16, NR * 4);
      }
      dst += <usize>p * NR * 4;
    }
    for (; p < kc; p++) {
      const row = b + <usize>(p0 + p) * rsB * 4;
      for (let c = 0; c < NR; c++) {
        const v: f32 = c < cols ? load<f32>(row + <usize>(j0 + jr + c) * csB * 4) : 0;
        store<f32>(dst + c * 4, v);
      }
      dst += NR * 4;
    }
  }
}

// @ts-ignore: decorator
@inline function storeRow(c: usize, x0: v128, x1: v128, acc: bool): void {
  if (acc) {
    v128.store(c, f32x4.add(v128.load(c), x0));
    v128.store(c, f32x4.add(v128.load(c, 16), x1), 16);
  } else {
    v128.store(c, x0);
    v128.store(c, x1, 16);
  }
}

/** C tile (5 x 8 at c, row stride ldc floats) = or += packed A strip x packed B strip. */
function kernel5x8(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load_splat<f32>(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load_splat<f32>(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load_splat<f32>(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load_splat<f32>(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load_splat<f32>(pa, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    pa += 20;
    pb += 32;
  }
  const ld = <usize>ldc * 4;
  storeRow(c, c00, c01, acc);
  storeRow(c + ld, c10, c11, acc);
  storeRow(c + 2 * ld, c20, c21, acc);
  storeRow(c + 3 * ld, c30, c31, acc);
  storeRow(c + 4 * ld, c40, c41, acc);
}

/** Runs the micro-kernel over a packed mc x nc block, routing edge tiles through `tmp`. */
function macroKernel(mc: i32, nc: i32, kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, acc: bool, tmp: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const pbs = pb + <usize>jr * kc * 4;
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const pas = pa + <usize>ir * kc * 4;
      const ct = c + (<usize>ir * ldc + <usize>jr) * 4;
      if (rows == MR && cols == NR) {
        kernel5x8(kc, pas, pbs, ct, ldc, acc);
        continue;
      }
      kernel5x8(kc, pas, pbs, tmp, NR, false);
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < cols; q++) {
          const dst = ct + (<usize>r * ldc + q) * 4;
          const v = load<f32>(tmp + (r * NR + q) * 4);
          store<f32>(dst, acc ? load<f32>(dst) + v : v);
        }
      }
    }
  }
}

/** Floats of A packed whole by `packAll` (rows padded to a multiple of MR, every k). */
export function packedAFloats(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * MR * k;
}

/**
 * Packs all of A once, for every thread's column slice of one product to share (`gemmPacked`):
 * for each KC block at pc, the padded rows' MR strips, mPad x kc floats, at dst + 4 * pc * mPad.
 */
export function packAll(m: i32, k: i32, a: usize, rsA: i32, csA: i32, dst: usize): void {
  const mPad = ((m + MR - 1) / MR) * MR;
  for (let pc = 0; pc < k; pc += KC) packA(a, rsA, csA, 0, m, pc, min(KC, k - pc), dst + <usize>pc * mPad * 4);
}

/**
 * As `gemm` (k > 0, no GEMV path), with A already packed whole by `packAll` at pa: a column slice
 * of a threaded product packs only its own part of B.
 */
export function gemmPacked(
  m: i32, n: i32, k: i32, pa: usize,
  b: usize, rsB: i32, csB: i32, c: usize, ldc: i32, scratch: usize,
): void {
  const pb = scratch + <usize>MC * KC * 4;
  const tmp = pb + <usize>KC * NC * 4;
  const mPad = ((m + MR - 1) / MR) * MR;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b, rsB, csB, pc, kc, jc, nc, pb);
      const block = pa + <usize>pc * mPad * 4;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        macroKernel(mc, nc, kc, block + <usize>ic * kc * 4, pb, c + (<usize>ic * ldc + <usize>jc) * 4, ldc, pc > 0, tmp);
      }
    }
  }
}

/** C = A * B over the whole m x n x k problem, single-threaded, using `scratch` (SCRATCH_BYTES). */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, scratch: usize,
): void {
  const pa = scratch;
  const pb = pa + <usize>MC * KC * 4;
  const tmp = pb + <usize>KC * NC * 4;
  if (k == 0) {
    for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldc * 4, 0, <usize>n * 4);
    return;
  }
  if (useGemv(m, n, k, rsB, csB) && k <= MC * KC) {
    gemvRows(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, pa);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b, rsB, csB, pc, kc, jc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, rsA, csA, ic, mc, pc, kc, pa);
        macroKernel(mc, nc, kc, pa, pb, c + (<usize>ic * ldc + <usize>jc) * 4, ldc, pc > 0, tmp);
      }
    }
  }
}
