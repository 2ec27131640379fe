// Fused optimizer steps over float32 arrays, four lanes at a time, bit-identical to the JS
// kernels in src/backend/js/optim.ts: f32x4 arithmetic rounds after every operation exactly like
// Math.fround, and where the JS rounds `a·b + c` once (float64 product and sum), `mad` does the
// same in f64x2. Every loop covers n rounded up to a multiple of 4: the caller's blocks are
// 64-byte aligned and padded, and the lanes past n are never copied out.

// Flag bits: OPTIM_FLAG in src/backend/wasm/layout.ts.
import {
  OPTIM_AMSGRAD as AMSGRAD, OPTIM_BUF as BUF, OPTIM_CENTERED as CENTERED, OPTIM_DECAY as DECAY, OPTIM_DECOUPLED as DECOUPLED,
  OPTIM_FIRST as FIRST, OPTIM_MAXIMIZE as MAXIMIZE, OPTIM_NESTEROV as NESTEROV,
} from './layout.generated';

/** fround(a·k + c) computed as the JS does: f64 product (exact) and sum, then one rounding; `k` is an f64x2 splat. */
// @ts-ignore: decorator
@inline function mad(a: v128, k: v128, c: v128): v128 {
  const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a), k), f64x2.promote_low_f32x4(c));
  const ah = i32x4.shuffle(a, a, 2, 3, 2, 3), ch = i32x4.shuffle(c, c, 2, 3, 2, 3);
  const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(ah), k), f64x2.promote_low_f32x4(ch));
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function grad(g: usize, o: usize, flags: i32): v128 {
  const d = v128.load(g + o);
  return flags & MAXIMIZE ? f32x4.neg(d) : d;
}

/** SGD (see sgd in src/backend/js/optim.ts); `b` is unused without BUF. */
export function sgdRange(p: usize, g: usize, b: usize, n: i32, wd: f32, mom: f32, damp: f32, negLr: f32, flags: i32): void {
  const wdK = f64x2.splat(<f64>wd), momV = f32x4.splat(mom), momK = f64x2.splat(<f64>mom);
  const dampK = f64x2.splat(<f64>damp), negLrK = f64x2.splat(<f64>negLr);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    let d = grad(g, o, flags);
    const pv = v128.load(p + o);
    if (flags & DECAY) d = mad(pv, wdK, d);
    if (flags & BUF) {
      const bv = flags & FIRST ? d : mad(d, dampK, f32x4.mul(v128.load(b + o), momV));
      v128.store(b + o, bv);
      d = flags & NESTEROV ? mad(bv, momK, d) : bv;
    }
    v128.store(p + o, mad(d, negLrK, pv));
  }
}

/** Adam / AdamW (see adam in src/backend/js/optim.ts); `vmax` is unused without AMSGRAD. */
export function adamRange(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  b1: f32, b2: f32, omb1: f32, omb2: f32, negStep: f32, bc2Sqrt: f32, eps: f32, wd: f32, shrink: f32, flags: i32,
): void {
  const b1V = f32x4.splat(b1), b2V = f32x4.splat(b2), omb1K = f64x2.splat(<f64>omb1), omb2V = f32x4.splat(omb2);
  const negStepV = f32x4.splat(negStep), bc2V = f32x4.splat(bc2Sqrt), epsV = f32x4.splat(eps);
  const wdK = f64x2.splat(<f64>wd), shrinkV = f32x4.splat(shrink);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    let d = grad(g, o, flags);
    let pv = v128.load(p + o);
    if (flags & DECOUPLED) pv = f32x4.mul(pv, shrinkV);
    else if (flags & DECAY) d = mad(pv, wdK, d);
    const mv = mad(d, omb1K, f32x4.mul(v128.load(m + o), b1V));
    v128.store(m + o, mv);
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), b2V), f32x4.mul(f32x4.mul(omb2V, d), d));
    v128.store(v + o, vv);
    let second = vv;
    if (flags & AMSGRAD) {
      const old = v128.load(vmax + o);
      // max that lets NaN through, as the JS `second > vMax || second !== second`.
      second = v128.bitselect(vv, old, v128.or(f32x4.gt(vv, old), f32x4.ne(vv, vv)));
      v128.store(vmax + o, second);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(second), bc2V), epsV);
    v128.store(p + o, f32x4.add(pv, f32x4.div(f32x4.mul(negStepV, mv), denom)));
  }
}

/** RMSprop (see rmsprop in src/backend/js/optim.ts); `b` needs BUF, `ga` CENTERED. */
export function rmspropRange(
  p: usize, g: usize, sq: usize, b: usize, ga: usize, n: i32,
  alpha: f32, oma: f32, eps: f32, wd: f32, mom: f32, negLr: f32, flags: i32,
): void {
  const alphaV = f32x4.splat(alpha), omaV = f32x4.splat(oma), omaK = f64x2.splat(<f64>oma), epsV = f32x4.splat(eps);
  const wdK = f64x2.splat(<f64>wd), momV = f32x4.splat(mom), negLrV = f32x4.splat(negLr), negLrK = f64x2.splat(<f64>negLr);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    let d = grad(g, o, flags);
    const pv = v128.load(p + o);
    if (flags & DECAY) d = mad(pv, wdK, d);
    const s = f32x4.add(f32x4.mul(v128.load(sq + o), alphaV), f32x4.mul(f32x4.mul(omaV, d), d));
    v128.store(sq + o, s);
    let avg: v128;
    if (flags & CENTERED) {
      const a = mad(d, omaK, f32x4.mul(v128.load(ga + o), alphaV));
      v128.store(ga + o, a);
      avg = f32x4.sqrt(f32x4.add(s, f32x4.mul(f32x4.neg(a), a)));
    } else {
      avg = f32x4.sqrt(s);
    }
    avg = f32x4.add(avg, epsV);
    if (flags & BUF) {
      const bv = f32x4.add(f32x4.mul(v128.load(b + o), momV), f32x4.div(d, avg));
      v128.store(b + o, bv);
      v128.store(p + o, mad(bv, negLrK, pv));
    } else {
      v128.store(p + o, f32x4.add(pv, f32x4.div(f32x4.mul(negLrV, d), avg)));
    }
  }
}

/** Adagrad (see adagrad in src/backend/js/optim.ts). */
export function adagradRange(p: usize, g: usize, sum: usize, n: i32, negClr: f32, eps: f32, wd: f32, flags: i32): void {
  const negClrV = f32x4.splat(negClr), epsV = f32x4.splat(eps), wdK = f64x2.splat(<f64>wd);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    let d = grad(g, o, flags);
    const pv = v128.load(p + o);
    if (flags & DECAY) d = mad(pv, wdK, d);
    const s = f32x4.add(v128.load(sum + o), f32x4.mul(d, d));
    v128.store(sum + o, s);
    const std = f32x4.add(f32x4.sqrt(s), epsV);
    v128.store(p + o, f32x4.add(pv, f32x4.div(f32x4.mul(negClrV, d), std)));
  }
}

/** Adadelta (see adadelta in src/backend/js/optim.ts). */
export function adadeltaRange(p: usize, g: usize, v: usize, u: usize, n: i32, rho: f32, omr: f32, eps: f32, wd: f32, negLr: f32, flags: i32): void {
  const rhoV = f32x4.splat(rho), omrV = f32x4.splat(omr), epsV = f32x4.splat(eps), wdV = f32x4.splat(wd), negLrV = f32x4.splat(negLr);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    let d = grad(g, o, flags);
    const pv = v128.load(p + o);
    if (flags & DECAY) d = f32x4.add(d, f32x4.mul(pv, wdV));
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), rhoV), f32x4.mul(f32x4.mul(omrV, d), d));
    v128.store(v + o, vv);
    const std = f32x4.sqrt(f32x4.add(vv, epsV));
    const uv = v128.load(u + o);
    const delta = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(uv, epsV)), std), d);
    v128.store(u + o, f32x4.add(f32x4.mul(uv, rhoV), f32x4.mul(f32x4.mul(omrV, delta), delta)));
    v128.store(p + o, f32x4.add(pv, f32x4.mul(negLrV, delta)));
  }
}
