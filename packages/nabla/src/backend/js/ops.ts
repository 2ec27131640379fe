/** The reference kernels of the ops outside the core table (loops moved from the op files). */
import { contiguousStrides } from '../../tensor/shape.js';
import type { FloatArray, TypedArray } from '../../tensor/dtype.js';
import type { MathOp, OpKernels, ScatterMode } from '../op-kernels.js';

function mapInto(f: (v: number) => number): (x: TypedArray, out: FloatArray) => void {
  return (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  };
}

const math: { readonly [P in MathOp]: (x: TypedArray, out: FloatArray) => void } = {
  tan: mapInto(Math.tan),
  atan: mapInto(Math.atan),
  asin: mapInto(Math.asin),
  acos: mapInto(Math.acos),
  sinh: mapInto(Math.sinh),
  cosh: mapInto(Math.cosh),
  asinh: mapInto(Math.asinh),
  acosh: mapInto(Math.acosh),
  atanh: mapInto(Math.atanh),
};

function atan2(y: TypedArray, x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.atan2(y[i], x[i]);
}

function scanRows(op: 'sum' | 'prod', data: TypedArray, n: number): void {
  for (let r = 0; r < data.length; r += n) {
    let acc = data[r];
    if (op === 'sum') for (let i = 1; i < n; i++) data[r + i] = acc = acc + data[r + i];
    else for (let i = 1; i < n; i++) data[r + i] = acc = acc * data[r + i];
  }
}

function cumprodBackward(xs: TypedArray, g: TypedArray, out: TypedArray, n: number): void {
  for (let r = 0; r < xs.length; r += n) {
    for (let i = 0; i < n; i++) {
      let prefix = 1;
      for (let k = 0; k < i; k++) prefix *= xs[r + k];
      let acc = 0;
      let run = prefix;
      for (let j = i; j < n; j++) {
        if (j > i) run *= xs[r + j];
        acc += g[r + j] * run;
      }
      out[r + i] = acc;
    }
  }
}

function prodRows(data: TypedArray, out: TypedArray, n: number): void {
  for (let r = 0; r < out.length; r++) {
    let acc = 1;
    for (let i = 0; i < n; i++) acc *= data[r * n + i];
    out[r] = acc;
  }
}

function prodOthers(data: TypedArray, others: TypedArray, n: number): void {
  for (let r = 0; r < data.length; r += n) {
    for (let i = 0; i < n; i++) {
      let acc = 1;
      for (let k = 0; k < n; k++) if (k !== i) acc *= data[r + k];
      others[r + i] = acc;
    }
  }
}

/** NaN sorts as the largest value, as in PyTorch. */
function compareAsc(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortRows(data: TypedArray, idx: Int32Array, n: number, descending: boolean): void {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < data.length; r += n) {
    const row = order.slice();
    // Array.prototype.sort is stable: equal elements keep their order, as with stable=True.
    row.sort((i, j) => (descending ? compareAsc(data[r + j], data[r + i]) : compareAsc(data[r + i], data[r + j])));
    for (let i = 0; i < n; i++) idx[r + i] = row[i];
  }
}

function medianRows(order: TypedArray, vals: TypedArray, picked: Int32Array, n: number): void {
  for (let r = 0; r < picked.length; r++) {
    let nans = 0;
    for (let i = 0; i < n; i++) if (Number.isNaN(vals[r * n + i])) nans++;
    picked[r] = order[r * n + (nans > 0 ? n - nans : (n - 1) >> 1)];
  }
}

function scatterAlong(
  mode: ScatterMode,
  out: TypedArray,
  src: TypedArray,
  index: Int32Array,
  iShape: readonly number[],
  outShape: readonly number[],
  srcShape: readonly number[],
  d: number,
): void {
  const outStrides = contiguousStrides(outShape);
  const srcStrides = contiguousStrides(srcShape);
  const pos = new Array<number>(iShape.length).fill(0);
  for (let k = 0; k < index.length; k++) {
    let o = 0;
    let s = 0;
    for (let j = 0; j < pos.length; j++) {
      o += (j === d ? index[k] : pos[j]) * outStrides[j];
      s += pos[j] * srcStrides[j];
    }
    if (mode === 'assign') out[o] = src[s];
    else if (mode === 'add') out[o] += src[s];
    else if (mode === 'gather') src[s] = out[o];
    else out[o] = 0;
    for (let j = pos.length - 1; j >= 0 && ++pos[j] === iShape[j]; j--) pos[j] = 0;
  }
}

function nonzero(data: TypedArray, shape: readonly number[]): Int32Array {
  const strides = contiguousStrides(shape);
  const rows: number[] = [];
  for (let k = 0; k < data.length; k++) {
    if (data[k] === 0) continue;
    let rest = k;
    for (const s of strides) {
      rows.push(Math.floor(rest / s));
      rest %= s;
    }
  }
  return Int32Array.from(rows);
}

function bincount(data: TypedArray, w: TypedArray | null, out: TypedArray): void {
  data.forEach((v, i) => (out[v] += w ? w[i] : 1));
}

function uniqueInverse(data: TypedArray, values: readonly number[], inverse: Int32Array, counts: Int32Array): void {
  const position = new Map(values.map((v, i) => [v, i]));
  for (let i = 0; i < data.length; i++) inverse[i] = position.get(data[i])!;
  for (const i of inverse) counts[i]++;
}

function addChannelBias(out: FloatArray, bias: FloatArray, batch: number, channels: number, L: number): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c];
      const base = (n * channels + c) * L;
      for (let i = 0; i < L; i++) out[base + i] += b;
    }
  }
}

function channelBiasGrad(dy: FloatArray, batch: number, channels: number, L: number, db: FloatArray): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const base = (n * channels + c) * L;
      let acc = 0;
      for (let i = 0; i < L; i++) acc += dy[base + i];
      db[c] += acc;
    }
  }
}

export const ops: OpKernels = {
  math,
  atan2,
  scanRows,
  cumprodBackward,
  prodRows,
  prodOthers,
  sortRows,
  medianRows,
  scatterAlong,
  nonzero,
  bincount,
  uniqueInverse,
  addChannelBias,
  channelBiasGrad,
};
