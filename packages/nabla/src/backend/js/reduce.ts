import type { FloatArray, TypedArray } from '../../tensor/dtype.js';
import type { Kernels } from '../kernels.js';

/**
 * Reductions of the middle axis of `[outer, size, inner]`. With inner > 1 the walk goes row by
 * row (contiguous reads) into a float64 accumulator per output; each op has its own loop literal
 * so V8 keeps them monomorphic.
 */
type ReduceKernel = (x: TypedArray, out: TypedArray, outer: number, size: number, inner: number) => void;

/** `sum` for float32 in and out (the bias gradient of every training step): the same loops, kept monomorphic. */
function sum32(x: Float32Array, out: Float32Array, outer: number, size: number, inner: number): void {
  if (inner === 1) {
    for (let o = 0, p = 0; o < outer; o++) {
      let acc = 0;
      for (let s = 0; s < size; s++) acc += x[p++];
      out[o] = acc;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * size * inner;
    let s = 0;
    // Four rows per pass over acc: each column still adds its rows in order, one at a time.
    for (; s + 4 <= size; s += 4) {
      const r0 = base + s * inner;
      const r1 = r0 + inner;
      const r2 = r1 + inner;
      const r3 = r2 + inner;
      for (let i = 0; i < inner; i++) acc[i] = acc[i] + x[r0 + i] + x[r1 + i] + x[r2 + i] + x[r3 + i];
    }
    for (; s < size; s++) {
      const r = base + s * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[r + i];
    }
    out.set(acc, o * inner);
  }
}

export const reduce: Kernels['reduce'] = {
  sum: (x, out, outer, size, inner) => {
    if (x instanceof Float32Array && out instanceof Float32Array) {
      sum32(x, out, outer, size, inner);
      return;
    }
    if (inner === 1) {
      for (let o = 0, p = 0; o < outer; o++) {
        let acc = 0;
        for (let s = 0; s < size; s++) acc += x[p++];
        out[o] = acc;
      }
      return;
    }
    const acc = new Float64Array(inner);
    for (let o = 0, p = 0; o < outer; o++) {
      acc.fill(0);
      for (let s = 0; s < size; s++) for (let i = 0; i < inner; i++) acc[i] += x[p++];
      out.set(acc, o * inner);
    }
  },
  // max/min propagate NaN, like PyTorch: once acc is NaN no comparison replaces it.
  max: (x, out, outer, size, inner) => {
    const acc = new Float64Array(inner);
    for (let o = 0, p = 0; o < outer; o++) {
      acc.fill(-Infinity);
      for (let s = 0; s < size; s++) {
        for (let i = 0; i < inner; i++, p++) {
          const v = x[p];
          if (v > acc[i] || v !== v) acc[i] = v;
        }
      }
      out.set(acc, o * inner);
    }
  },
  min: (x, out, outer, size, inner) => {
    const acc = new Float64Array(inner);
    for (let o = 0, p = 0; o < outer; o++) {
      acc.fill(Infinity);
      for (let s = 0; s < size; s++) {
        for (let i = 0; i < inner; i++, p++) {
          const v = x[p];
          if (v < acc[i] || v !== v) acc[i] = v;
        }
      }
      out.set(acc, o * inner);
    }
  },
} satisfies { [P in keyof Kernels['reduce']]: ReduceKernel };

function argKernel(better: (x: number, best: number) => boolean) {
  return (x: TypedArray, out: Int32Array, outer: number, size: number, inner: number): void => {
    for (let o = 0; o < outer; o++) {
      const base = o * size * inner;
      for (let i = 0; i < inner; i++) {
        let best = x[base + i];
        let bestIdx = 0;
        for (let s = 1, p = base + i + inner; s < size; s++, p += inner) {
          if (best !== best) break;
          if (better(x[p], best)) {
            best = x[p];
            bestIdx = s;
          }
        }
        out[o * inner + i] = bestIdx;
      }
    }
  };
}

export const argReduce: Kernels['argReduce'] = {
  argmax: argKernel((x, best) => x > best || x !== x),
  argmin: argKernel((x, best) => x < best || x !== x),
};

export function softmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[base + c] > max) max = x[base + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(x[base + c] - max);
      out[base + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) out[base + c] *= inv;
  }
}

export function logSoftmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[base + c] > max) max = x[base + c];
    // No shift for an all -inf row (so it gives NaN, not an error); a +inf makes the row NaN, as in PyTorch.
    if (max === -Infinity) max = 0;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[base + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < cols; c++) out[base + c] = x[base + c] - lse;
  }
}
