// Few-row products (batch-1 inference, small batches, convolutions with few filters) straight
// from the operands, without packing: packing B would read and write all of it for a handful of rows.

// @ts-ignore: decorator
@inline const GEMV_MAX_ROWS: i32 = 4;
// @ts-ignore: decorator
@inline const GEMV_MAX_ROWS_SMALL_B: i32 = 8;
/** B up to this many floats (256 KiB) stays in L2 while each of up to 8 rows re-reads it. */
// @ts-ignore: decorator
@inline const SMALL_B_FLOATS: i32 = 65536;

/**
 * Whether the unpacked path wins (measured per CPU-second on AVX2 Zen): always for up to 4 rows;
 * up to 8 rows when B is read as dot products (stored transposed) or small enough for L2.
 */
export function useGemv(m: i32, n: i32, k: i32, rsB: i32, csB: i32): bool {
  if (csB != 1 && rsB != 1) return false;
  if (m <= GEMV_MAX_ROWS) return true;
  return m <= GEMV_MAX_ROWS_SMALL_B && (rsB == 1 || <i64>k * n <= SMALL_B_FLOATS);
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** One row of C = row `a` (contiguous, k) times B stored [k, n] with row stride rsB: 16 columns per pass. */
export function rowTimesB(n: i32, k: i32, a: usize, b: usize, rsB: i32, c: usize): void {
  const rs = <usize>rsB * 4;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    let pb = b + <usize>j * 4;
    for (let p = 0; p < k; p++) {
      const av = v128.load_splat<f32>(a + <usize>p * 4);
      c0 = madd(av, v128.load(pb), c0);
      c1 = madd(av, v128.load(pb, 16), c1);
      c2 = madd(av, v128.load(pb, 32), c2);
      c3 = madd(av, v128.load(pb, 48), c3);
      pb += rs;
    }
    const pc = c + <usize>j * 4;
    v128.store(pc, c0); v128.store(pc, c1, 16); v128.store(pc, c2, 32); v128.store(pc, c3, 48);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    for (let p = 0; p < k; p++) s += load<f32>(a + <usize>p * 4) * load<f32>(b + (<usize>p * rsB + j) * 4);
    store<f32>(c + <usize>j * 4, s);
  }
}

/** One row of C = row `a` (contiguous, k) times B stored [n, k] (row stride csB): dot products, 4 columns per pass. */
export function rowTimesBt(n: i32, k: i32, a: usize, b: usize, csB: i32, c: usize): void {
  const cs = <usize>csB * 4;
  const k4 = k & ~3;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const b0 = b + <usize>j * cs;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const off = <usize>p * 4;
      const av = v128.load(a + off);
      s0 = madd(av, v128.load(b0 + off), s0);
      s1 = madd(av, v128.load(b0 + cs + off), s1);
      s2 = madd(av, v128.load(b0 + 2 * cs + off), s2);
      s3 = madd(av, v128.load(b0 + 3 * cs + off), s3);
    }
    let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
    for (let p = k4; p < k; p++) {
      const av = load<f32>(a + <usize>p * 4);
      const off = <usize>p * 4;
      r0 += av * load<f32>(b0 + off); r1 += av * load<f32>(b0 + cs + off);
      r2 += av * load<f32>(b0 + 2 * cs + off); r3 += av * load<f32>(b0 + 3 * cs + off);
    }
    const pc = c + <usize>j * 4;
    store<f32>(pc, r0); store<f32>(pc, r1, 4); store<f32>(pc, r2, 8); store<f32>(pc, r3, 12);
  }
  for (; j < n; j++) {
    const bj = b + <usize>j * cs;
    let s: f32 = 0;
    for (let p = 0; p < k; p++) s += load<f32>(a + <usize>p * 4) * load<f32>(bj + <usize>p * 4);
    store<f32>(c + <usize>j * 4, s);
  }
}

/**
 * C = A * B for m <= GEMV_MAX_ROWS when one of B's strides is 1. Rows of A that are not
 * contiguous are first gathered into `tmp` (k floats).
 */
export function gemvRows(
  m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, tmp: usize,
): void {
  for (let i = 0; i < m; i++) {
    let row = a + <usize>i * rsA * 4;
    if (csA != 1) {
      for (let p = 0; p < k; p++) store<f32>(tmp + <usize>p * 4, load<f32>(row + <usize>p * csA * 4));
      row = tmp;
    }
    const crow = c + <usize>i * ldc * 4;
    if (csB == 1) rowTimesB(n, k, row, b, rsB, crow);
    else rowTimesBt(n, k, row, b, csB, crow);
  }
}
