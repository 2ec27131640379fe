import type { FloatArray, TypedArray } from '../../tensor/dtype.js';
import type { Kernels } from '../kernels.js';

type Combine = (acc: number, x: number) => number;

function reduceKernel(init: number, combine: Combine) {
  return (x: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void => {
    for (let o = 0; o < outer; o++) {
      const base = o * size * inner;
      for (let i = 0; i < inner; i++) {
        let acc = init;
        for (let s = 0, p = base + i; s < size; s++, p += inner) acc = combine(acc, x[p]);
        out[o * inner + i] = acc;
      }
    }
  };
}

// max/min propagate NaN, like PyTorch.
export const reduce: Kernels['reduce'] = {
  sum: reduceKernel(0, (a, x) => a + x),
  max: reduceKernel(-Infinity, (a, x) => (x > a || x !== x ? x : a)),
  min: reduceKernel(Infinity, (a, x) => (x < a || x !== x ? x : a)),
};

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
    if (max === -Infinity || max === Infinity) max = 0;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[base + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < cols; c++) out[base + c] = x[base + c] - lse;
  }
}
