/**
 * The reference optimizer steps: plain loops over dense typed arrays. Writing into a
 * Float32Array rounds like PyTorch's float32 kernels, and `rd` rounds the temporaries PyTorch
 * would also hold in float32; where one `rd` wraps `a·b + c`, the product and sum are float64
 * (the product of two float32 values is exact there), as the WASM kernels mirror.
 */
import type { FloatArray } from '../../tensor/dtype.js';
import type { AdadeltaStep, AdagradStep, AdamStep, OptimKernels, RmspropStep, SgdStep } from '../optim-kernels.js';

/**
 * Rounds `x` to float32 when `f32`, else returns it. Kernels call this module-level function
 * with a flag; calling a rounding function held in a variable instead was measured 10× slower
 * once V8 re-optimized a kernel.
 */
function rd(f32: boolean, x: number): number {
  return f32 ? Math.fround(x) : x;
}

const EMPTY32 = new Float32Array(0);
const EMPTY64 = new Float64Array(0);

/** `buf`, or an empty array of `like`'s type: hot loops then only ever see one typed-array type. */
function orEmpty(buf: FloatArray | null, like: FloatArray): FloatArray {
  return buf ?? (like instanceof Float32Array ? EMPTY32 : EMPTY64);
}

/** SGD in `_single_tensor_sgd`'s order: d = ±g (+ wd·p); buf = first ? d : μ·buf + (1 − τ)·d; d = nesterov ? d + μ·buf : buf; p −= lr·d. */
function sgd(p: FloatArray, g: FloatArray, buf: FloatArray | null, first: boolean, h: SgdStep): void {
  const f = p instanceof Float32Array;
  if (
    f &&
    g instanceof Float32Array &&
    buf instanceof Float32Array &&
    !first &&
    h.weightDecay === 0 &&
    !h.nesterov &&
    !h.maximize
  ) {
    momentum32(p, g, buf, rd(f, h.momentum), rd(f, 1 - h.dampening), rd(f, -h.lr));
    return;
  }
  const wd = rd(f, h.weightDecay);
  const mom = rd(f, h.momentum);
  const damp = rd(f, 1 - h.dampening);
  const negLr = rd(f, -h.lr);
  const sign = h.maximize ? -1 : 1;
  const decay = h.weightDecay !== 0;
  const { nesterov } = h;
  const useBuf = buf !== null;
  const b = orEmpty(buf, p);
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i];
    if (decay) d = rd(f, p[i] * wd + d);
    if (useBuf) {
      b[i] = first ? d : rd(f, rd(f, b[i] * mom) + d * damp);
      d = nesterov ? rd(f, b[i] * mom + d) : b[i];
    }
    p[i] = rd(f, d * negLr + p[i]);
  }
}

/**
 * The common case of `sgd` (float32, momentum, no weight decay/Nesterov/maximize) as a
 * monomorphic loop: the same float32 roundings in the same order, at a fraction of the generic
 * loop's cost (measured 7.1 → 2.3 CPU-ns per parameter over 535k parameters).
 */
function momentum32(p: Float32Array, g: Float32Array, b: Float32Array, mom: number, damp: number, negLr: number): void {
  const n = p.length;
  if (damp === 1) {
    // No dampening (the default): the same values without a multiply by one (~12% of the loop).
    for (let i = 0; i < n; i++) {
      const bi = Math.fround(Math.fround(b[i] * mom) + g[i]);
      b[i] = bi;
      p[i] = Math.fround(bi * negLr + p[i]);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const bi = Math.fround(Math.fround(b[i] * mom) + g[i] * damp);
    b[i] = bi;
    p[i] = Math.fround(bi * negLr + p[i]);
  }
}

/** The scalars of an Adam step, rounded as PyTorch holds them (bias corrections in float64 first). */
export function adamScalars(
  f: boolean,
  step: number,
  h: AdamStep,
): {
  b1: number;
  b2: number;
  oneMinusB1: number;
  oneMinusB2: number;
  negStep: number;
  bc2Sqrt: number;
  eps: number;
  wd: number;
  shrink: number;
} {
  const [beta1, beta2] = h.betas;
  return {
    b1: rd(f, beta1),
    b2: rd(f, beta2),
    oneMinusB1: rd(f, 1 - beta1),
    oneMinusB2: rd(f, 1 - beta2),
    negStep: rd(f, -(h.lr / (1 - beta1 ** step))),
    bc2Sqrt: rd(f, Math.sqrt(1 - beta2 ** step)),
    eps: rd(f, h.eps),
    wd: rd(f, h.weightDecay),
    shrink: rd(f, 1 - h.lr * h.weightDecay),
  };
}

/**
 * Adam in `_single_tensor_adam(w)`'s order: AdamW first shrinks p by (1 − lr·wd), Adam adds
 * wd·p to the gradient; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; v̂ = amsgrad ? max(v̂, v) : v;
 * p −= lr/(1−β1ᵗ) · m / (√v̂/√(1−β2ᵗ) + eps).
 */
function adam(
  p: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMaxOrNull: FloatArray | null,
  step: number,
  h: AdamStep,
  decoupled: boolean,
): void {
  const f = p instanceof Float32Array;
  const { b1, b2, oneMinusB1, oneMinusB2, negStep, bc2Sqrt, eps, wd, shrink } = adamScalars(f, step, h);
  const sign = h.maximize ? -1 : 1;
  const l2 = !decoupled && h.weightDecay !== 0;
  const ams = vMaxOrNull !== null;
  const vMax = orEmpty(vMaxOrNull, p);
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i];
    if (decoupled) p[i] = rd(f, p[i] * shrink);
    else if (l2) d = rd(f, p[i] * wd + d);
    m[i] = rd(f, d * oneMinusB1 + rd(f, m[i] * b1));
    v[i] = rd(f, rd(f, v[i] * b2) + rd(f, rd(f, oneMinusB2 * d) * d));
    let second = v[i];
    if (ams) {
      if (second > vMax[i] || second !== second) vMax[i] = second; // NaN propagates, as torch.maximum
      second = vMax[i];
    }
    const denom = rd(f, rd(f, rd(f, Math.sqrt(second)) / bc2Sqrt) + eps);
    p[i] = rd(f, p[i] + rd(f, rd(f, negStep * m[i]) / denom));
  }
}

/**
 * RMSprop in `_single_tensor_rmsprop`'s order: s = α·s + (1−α)·g²; centered: a = α·a + (1−α)·g,
 * avg = √(s − a²), else avg = √s; avg += eps; momentum: buf = μ·buf + g/avg, p −= lr·buf;
 * else p −= lr·g/avg.
 */
function rmsprop(
  p: FloatArray,
  g: FloatArray,
  sq: FloatArray,
  bufOrNull: FloatArray | null,
  gradAvg: FloatArray | null,
  h: RmspropStep,
): void {
  const f = p instanceof Float32Array;
  const alpha = rd(f, h.alpha);
  const oneMinusAlpha = rd(f, 1 - h.alpha);
  const eps = rd(f, h.eps);
  const wd = rd(f, h.weightDecay);
  const mom = rd(f, h.momentum);
  const negLr = rd(f, -h.lr);
  const centered = gradAvg !== null;
  const useBuf = bufOrNull !== null;
  const ga = orEmpty(gradAvg, p);
  const buf = orEmpty(bufOrNull, p);
  const sign = h.maximize ? -1 : 1;
  const decay = h.weightDecay !== 0;
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i];
    if (decay) d = rd(f, p[i] * wd + d);
    sq[i] = rd(f, rd(f, sq[i] * alpha) + rd(f, rd(f, oneMinusAlpha * d) * d));
    let avg: number;
    if (centered) {
      ga[i] = rd(f, d * oneMinusAlpha + rd(f, ga[i] * alpha));
      avg = rd(f, Math.sqrt(rd(f, sq[i] + rd(f, -ga[i] * ga[i]))));
    } else {
      avg = rd(f, Math.sqrt(sq[i]));
    }
    avg = rd(f, avg + eps);
    if (useBuf) {
      buf[i] = rd(f, rd(f, buf[i] * mom) + rd(f, d / avg));
      p[i] = rd(f, buf[i] * negLr + p[i]);
    } else {
      p[i] = rd(f, p[i] + rd(f, rd(f, negLr * d) / avg));
    }
  }
}

/** Adagrad in `_single_tensor_adagrad`'s order: clr = lr / (1 + (step − 1)·lrDecay); sum += g²; p −= clr · g / (√sum + eps). */
function adagrad(p: FloatArray, g: FloatArray, sum: FloatArray, step: number, h: AdagradStep): void {
  const f = p instanceof Float32Array;
  const negClr = rd(f, -(h.lr / (1 + (step - 1) * h.lrDecay)));
  const eps = rd(f, h.eps);
  const wd = rd(f, h.weightDecay);
  const sign = h.maximize ? -1 : 1;
  const decay = h.weightDecay !== 0;
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i];
    if (decay) d = rd(f, p[i] * wd + d);
    sum[i] = rd(f, sum[i] + rd(f, d * d));
    const std = rd(f, rd(f, Math.sqrt(sum[i])) + eps);
    p[i] = rd(f, p[i] + rd(f, rd(f, negClr * d) / std));
  }
}

/** Adadelta in PyTorch 1.13's order: v = ρ·v + (1−ρ)·g²; δ = √(u + eps) / √(v + eps) · g; u = ρ·u + (1−ρ)·δ²; p −= lr·δ. */
function adadelta(p: FloatArray, g: FloatArray, v: FloatArray, u: FloatArray, h: AdadeltaStep): void {
  const f = p instanceof Float32Array;
  const rho = rd(f, h.rho);
  const oneMinusRho = rd(f, 1 - h.rho);
  const eps = rd(f, h.eps);
  const wd = rd(f, h.weightDecay);
  const negLr = rd(f, -h.lr);
  const sign = h.maximize ? -1 : 1;
  const decay = h.weightDecay !== 0;
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i];
    if (decay) d = rd(f, d + rd(f, p[i] * wd));
    v[i] = rd(f, rd(f, v[i] * rho) + rd(f, rd(f, oneMinusRho * d) * d));
    const std = rd(f, Math.sqrt(rd(f, v[i] + eps)));
    const delta = rd(f, rd(f, rd(f, Math.sqrt(rd(f, u[i] + eps))) / std) * d);
    u[i] = rd(f, rd(f, u[i] * rho) + rd(f, rd(f, oneMinusRho * delta) * delta));
    p[i] = rd(f, p[i] + rd(f, negLr * delta));
  }
}

/** The p-norm as `torch.norm` defines it (p = ±Infinity: max/min |x|; p = 0: count of non-zeros). */
function vectorNorm(values: ArrayLike<number>, p: number): number {
  if (p === Infinity || p === -Infinity) {
    let m = p === Infinity ? 0 : Infinity;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]);
      if (Number.isNaN(a)) return NaN;
      m = p === Infinity ? Math.max(m, a) : Math.min(m, a);
    }
    return m;
  }
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (p === 0) s += a !== 0 ? 1 : 0;
    else if (p === 1) s += a;
    else if (p === 2) s += a * a;
    else s += a ** p;
  }
  if (p === 0 || p === 1) return s;
  return p === 2 ? Math.sqrt(s) : s ** (1 / p);
}

/** The reference optimizer kernels. */
export const optim: OptimKernels = { sgd, adam, rmsprop, adagrad, adadelta, vectorNorm };
