import type { TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import type { BinaryOp, Kernels, Strided, UnaryOp } from '../kernels.js';
import { erf, roundHalfEven, sigmoid } from './math.js';

type Unary = (x: number) => number;
type Binary = (x: number, y: number) => number;

const UNARY: { [P in UnaryOp]: Unary } = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  recip: (x) => 1 / x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : Number.NaN),
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : x === x ? 0 : x),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  log1p: Math.log1p,
  expm1: Math.expm1,
};

const BINARY: { [P in BinaryOp]: Binary } = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: Math.pow,
  // NaN propagates, as in torch.maximum/minimum.
  maximum: (x, y) => (x !== x || y !== y ? Number.NaN : x > y ? x : y),
  minimum: (x, y) => (x !== x || y !== y ? Number.NaN : x < y ? x : y),
  eq: (x, y) => +(x === y),
  ne: (x, y) => +(x !== y),
  lt: (x, y) => +(x < y),
  le: (x, y) => +(x <= y),
  gt: (x, y) => +(x > y),
  ge: (x, y) => +(x >= y),
};

function unaryKernel(f: Unary) {
  return (x: TypedArray, out: TypedArray): void => {
    for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
  };
}

function isDense(s: Strided, shape: Shape): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && s.strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

function isScalar(s: Strided): boolean {
  return s.strides.every((st) => st === 0);
}

/**
 * Walks `shape` in row-major order, calling `row` once per innermost row with each operand's
 * starting offset. Shared by every strided kernel so the index arithmetic lives in one place.
 */
export function forEachRow(
  shape: Shape,
  operands: readonly Strided[],
  row: (offsets: readonly number[], length: number, innerStrides: readonly number[]) => void,
): void {
  const rank = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  if (rank === 0) {
    row(operands.map((o) => o.offset), 1, operands.map(() => 0));
    return;
  }
  const last = shape[rank - 1];
  const inner = operands.map((o) => o.strides[rank - 1]);
  const offsets = operands.map((o) => o.offset);
  const idx = new Array<number>(rank - 1).fill(0);
  const rows = total / last;
  for (let r = 0; r < rows; r++) {
    row(offsets, last, inner);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < operands.length; k++) offsets[k] += operands[k].strides[d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < operands.length; k++) offsets[k] -= operands[k].strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

function binaryKernel(f: Binary) {
  return (a: Strided, b: Strided, out: TypedArray, shape: Shape): void => {
    const ad = a.data;
    const bd = b.data;
    const n = out.length;
    const aDense = isDense(a, shape);
    if (aDense && isDense(b, shape)) {
      const ao = a.offset;
      const bo = b.offset;
      for (let i = 0; i < n; i++) out[i] = f(ad[ao + i], bd[bo + i]);
      return;
    }
    if (aDense && isScalar(b)) {
      const ao = a.offset;
      const y = bd[b.offset];
      for (let i = 0; i < n; i++) out[i] = f(ad[ao + i], y);
      return;
    }
    let o = 0;
    forEachRow(shape, [a, b], (offs, len, st) => {
      let ai = offs[0];
      let bi = offs[1];
      const as = st[0];
      const bs = st[1];
      for (let j = 0; j < len; j++, ai += as, bi += bs) out[o++] = f(ad[ai], bd[bi]);
    });
  };
}

function mapTable<K extends string, V, R>(table: { [P in K]: V }, make: (v: V) => R): { [P in K]: R } {
  const out = {} as { [P in K]: R };
  for (const key of Object.keys(table) as K[]) out[key] = make(table[key]);
  return out;
}

export const unary: Kernels['unary'] = mapTable(UNARY, unaryKernel);
export const binary: Kernels['binary'] = mapTable(BINARY, binaryKernel);

export function where(cond: Strided, a: Strided, b: Strided, out: TypedArray, shape: Shape): void {
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  let o = 0;
  forEachRow(shape, [cond, a, b], (offs, len, st) => {
    let ci = offs[0];
    let ai = offs[1];
    let bi = offs[2];
    for (let j = 0; j < len; j++, ci += st[0], ai += st[1], bi += st[2]) out[o++] = cd[ci] ? ad[ai] : bd[bi];
  });
}

export function copy(src: Strided, dst: Strided, shape: Shape): void {
  const sd = src.data;
  const dd = dst.data;
  forEachRow(shape, [src, dst], (offs, len, st) => {
    let si = offs[0];
    let di = offs[1];
    for (let j = 0; j < len; j++, si += st[0], di += st[1]) dd[di] = sd[si];
  });
}

export function cast(x: TypedArray, out: TypedArray): void {
  if (out instanceof Uint8Array) {
    for (let i = 0; i < out.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
  } else if (out instanceof Int32Array && !(x instanceof Int32Array || x instanceof Uint8Array)) {
    // Truncate toward zero like a C cast; NaN becomes 0.
    for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x[i]);
  } else {
    out.set(x);
  }
}
