/**
 * The reference unit kernels (see ../unit-kernels.ts): plain loops over `[outer, units, inner]`
 * views. The WASM and native backends use these as they are.
 */
import type { FloatArray } from '../../tensor/dtype.js';
import type { AdamStep } from '../optim-kernels.js';
import type { UnitKernels } from '../unit-kernels.js';

function rd(f32: boolean, x: number): number {
  return f32 ? Math.fround(x) : x;
}

function unitMeans(
  x: FloatArray,
  outer: number,
  units: number,
  inner: number,
  meanAbs: Float64Array,
  mean: Float64Array | null,
  center: Float64Array | null,
  meanAbsCentered: Float64Array | null,
): void {
  const count = outer * inner;
  const centered = center !== null && meanAbsCentered !== null;
  for (let u = 0; u < units; u++) {
    let sAbs = 0;
    let s = 0;
    let sCentered = 0;
    const c = centered ? center[u] : 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * units + u) * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[base + i];
        sAbs += Math.abs(v);
        s += v;
        if (centered) sCentered += Math.abs(v - c);
      }
    }
    meanAbs[u] = sAbs / count;
    if (mean) mean[u] = s / count;
    if (centered) meanAbsCentered[u] = sCentered / count;
  }
}

function setUnits(
  x: FloatArray,
  outer: number,
  units: number,
  inner: number,
  idx: Int32Array,
  src: FloatArray | null,
  value: number,
): void {
  const k = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const base = (o * units + idx[j]) * inner;
      const from = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) x[base + i] = src ? src[from + i] : value;
    }
  }
}

function absorbUnits(
  w: FloatArray,
  outer: number,
  units: number,
  inner: number,
  idx: Int32Array,
  scale: Float64Array,
  bias: FloatArray,
): void {
  for (let o = 0; o < outer; o++) {
    let s = 0;
    for (let j = 0; j < idx.length; j++) {
      const base = (o * units + idx[j]) * inner;
      let row = 0;
      for (let i = 0; i < inner; i++) row += w[base + i];
      s += row * scale[j];
    }
    bias[o] += s;
  }
}

function markActive(x: FloatArray, outer: number, units: number, inner: number, active: Uint8Array): void {
  for (let o = 0; o < outer; o++) {
    for (let u = 0; u < units; u++) {
      if (active[u]) continue;
      const base = (o * units + u) * inner;
      for (let i = 0; i < inner; i++) {
        if (x[base + i] > 0) {
          active[u] = 1;
          break;
        }
      }
    }
  }
}

/** Cyclic Jacobi: rotate away each off-diagonal entry in turn until the off-diagonal mass is negligible. */
function symmetricEigenvalues(a: Float64Array, n: number, out: Float64Array): void {
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(a[i * n + i]);
  values.sort((x, y) => y - x);
  for (let i = 0; i < n; i++) out[i] = values[i];
}

/** One xorshift128 step on the four words of `s`, as a uniform number in (0, 1). */
function uniform(s: Uint32Array): number {
  let t = s[3];
  const x = s[0];
  s[3] = s[2];
  s[2] = s[1];
  s[1] = x;
  t ^= t << 11;
  t ^= t >>> 8;
  s[0] = (t ^ x ^ (x >>> 19)) >>> 0;
  return (s[0] + 0.5) / 4294967296;
}

function shrinkPerturb(
  p: FloatArray,
  shrink: number,
  anchor: FloatArray | null,
  anchorWeight: number,
  noise: number,
  rng: Uint32Array,
): void {
  const n = p.length;
  // Box–Muller gives normals in pairs: both are used.
  for (let i = 0; i < n; i += 2) {
    let e0 = 0;
    let e1 = 0;
    if (noise !== 0) {
      const r = Math.sqrt(-2 * Math.log(uniform(rng)));
      const a = 2 * Math.PI * uniform(rng);
      e0 = r * Math.cos(a);
      e1 = r * Math.sin(a);
    }
    p[i] = shrink * p[i] + (anchor ? anchorWeight * anchor[i] : 0) + noise * e0;
    if (i + 1 < n) p[i + 1] = shrink * p[i + 1] + (anchor ? anchorWeight * anchor[i + 1] : 0) + noise * e1;
  }
}

const EMPTY32 = new Float32Array(0);
const EMPTY64 = new Float64Array(0);

/** Adam with a step count per element, in the order and roundings of the js `optim.adam` kernel. */
function adamElementSteps(
  p: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMaxOrNull: FloatArray | null,
  steps: FloatArray,
  h: AdamStep,
  decoupled: boolean,
): void {
  const f = p instanceof Float32Array;
  const [beta1, beta2] = h.betas;
  const b1 = rd(f, beta1);
  const b2 = rd(f, beta2);
  const oneMinusB1 = rd(f, 1 - beta1);
  const oneMinusB2 = rd(f, 1 - beta2);
  const eps = rd(f, h.eps);
  const wd = rd(f, h.weightDecay);
  const shrink = rd(f, 1 - h.lr * h.weightDecay);
  const sign = h.maximize ? -1 : 1;
  const l2 = !decoupled && h.weightDecay !== 0;
  const ams = vMaxOrNull !== null;
  const vMax = vMaxOrNull ?? (f ? EMPTY32 : EMPTY64);
  // Neighbouring elements mostly share a step count: the bias corrections are recomputed only when it changes.
  let lastStep = -1;
  let negStep = 0;
  let bc2Sqrt = 0;
  for (let i = 0; i < p.length; i++) {
    const step = steps[i] + 1;
    steps[i] = step;
    if (step !== lastStep) {
      lastStep = step;
      negStep = rd(f, -(h.lr / (1 - beta1 ** step)));
      bc2Sqrt = rd(f, Math.sqrt(1 - beta2 ** step));
    }
    let d = sign * g[i];
    if (decoupled) p[i] = rd(f, p[i] * shrink);
    else if (l2) d = rd(f, p[i] * wd + d);
    m[i] = rd(f, d * oneMinusB1 + rd(f, m[i] * b1));
    v[i] = rd(f, rd(f, v[i] * b2) + rd(f, rd(f, oneMinusB2 * d) * d));
    let second = v[i];
    if (ams) {
      if (second > vMax[i] || second !== second) vMax[i] = second;
      second = vMax[i];
    }
    const denom = rd(f, rd(f, rd(f, Math.sqrt(second)) / bc2Sqrt) + eps);
    p[i] = rd(f, p[i] + rd(f, rd(f, negStep * m[i]) / denom));
  }
}

export const units: UnitKernels = {
  unitMeans,
  setUnits,
  absorbUnits,
  markActive,
  symmetricEigenvalues,
  shrinkPerturb,
  adamElementSteps,
};
