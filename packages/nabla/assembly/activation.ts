// ReLU and its backward over large float32 arrays, on the bit patterns exactly as the JS kernels
// in src/backend/wasm/js-elementwise.ts (NaN kept, -0 -> +0), four lanes at a time.

/** out[i] = relu(x[i]) for n floats. */
export function reluRange(x: usize, out: usize, n: i32): void {
  const absMask = i32x4.splat(0x7fffffff), inf = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    // Negative (sign set) and not NaN (magnitude at most infinity's) -> cleared.
    const notNan = i32x4.le_s(v128.and(v, absMask), inf);
    const clear = v128.and(i32x4.shr_s(v, 31), notNan);
    v128.store(out + <usize>i * 4, v128.andnot(v, clear));
  }
  for (; i < n; i++) {
    const v = load<i32>(x + <usize>i * 4);
    const nan = (0x7f800000 - (v & 0x7fffffff)) >> 31;
    store<i32>(out + <usize>i * 4, v & ~((v >> 31) & ~nan));
  }
}

/** out[i] = y[i] <= 0 ? +0 : dy[i] for n floats (ReLU's backward from its output y). */
export function reluBackwardRange(y: usize, dy: usize, out: usize, n: i32): void {
  const absMask = i32x4.splat(0x7fffffff), inf = i32x4.splat(0x7f800000), zero = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(y + <usize>i * 4);
    const abs = v128.and(v, absMask);
    // y <= 0: ±0, or sign set on a non-NaN.
    const le = v128.or(i32x4.eq(abs, zero), v128.and(i32x4.shr_s(v, 31), i32x4.le_s(abs, inf)));
    v128.store(out + <usize>i * 4, v128.andnot(v128.load(dy + <usize>i * 4), le));
  }
  for (; i < n; i++) {
    const v = load<i32>(y + <usize>i * 4);
    const abs = v & 0x7fffffff;
    const le = ((v >> 31) & ((abs - 0x7f800001) >> 31)) | ((abs - 1) >> 31);
    store<i32>(out + <usize>i * 4, load<i32>(dy + <usize>i * 4) & ~le);
  }
}
