import type { TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import type { BinaryOp, Kernels, Strided, UnaryOp } from '../kernels.js';
import { erf, roundHalfEven, sigmoid } from './math.js';

/**
 * One loop literal per op: V8 shares type feedback between closures made from one literal, so a
 * generic `f(x[i])` loop turns megamorphic and runs ~6x slower than these direct loops.
 */
type UnaryLoop = (x: TypedArray, out: TypedArray) => void;

export const unary: Kernels['unary'] = {
  neg: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = -x[i];
  },
  exp: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.exp(x[i]);
  },
  log: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.log(x[i]);
  },
  sqrt: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(x[i]);
  },
  recip: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = 1 / x[i];
  },
  abs: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.abs(x[i]);
  },
  // sign(NaN) is 0, as torch.sign gives in PyTorch 1.13 (so abs' at NaN is 0 too).
  sign: (x, o) => {
    for (let i = 0; i < o.length; i++) {
      const v = x[i];
      o[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
    }
  },
  sin: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.sin(x[i]);
  },
  cos: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.cos(x[i]);
  },
  tanh: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.tanh(x[i]);
  },
  sigmoid: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = sigmoid(x[i]);
  },
  // NaN stays NaN, as in torch.relu.
  relu: (x, o) => {
    for (let i = 0; i < o.length; i++) {
      const v = x[i];
      o[i] = v > 0 ? v : v === v ? 0 : v;
    }
  },
  erf: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = erf(x[i]);
  },
  floor: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.floor(x[i]);
  },
  ceil: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.ceil(x[i]);
  },
  round: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = roundHalfEven(x[i]);
  },
  log1p: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.log1p(x[i]);
  },
  expm1: (x, o) => {
    for (let i = 0; i < o.length; i++) o[i] = Math.expm1(x[i]);
  },
} satisfies { [P in UnaryOp]: UnaryLoop };

/** `out[o + j] = op(a[ai + j*as], b[bi + j*bs])` for j < n: one row of a broadcast binary op. */
type Row = (
  a: TypedArray,
  ai: number,
  as: number,
  b: TypedArray,
  bi: number,
  bs: number,
  out: TypedArray,
  o: number,
  n: number,
) => void;

const ROWS: { [P in BinaryOp]: Row } = {
  add: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] + b[bi];
  },
  sub: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] - b[bi];
  },
  mul: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] * b[bi];
  },
  div: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] / b[bi];
  },
  pow: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = Math.pow(a[ai], b[bi]);
  },
  // NaN propagates, as in torch.maximum/minimum.
  maximum: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) {
      const x = a[ai];
      const y = b[bi];
      out[o + j] = x !== x || y !== y ? Number.NaN : x > y ? x : y;
    }
  },
  minimum: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) {
      const x = a[ai];
      const y = b[bi];
      out[o + j] = x !== x || y !== y ? Number.NaN : x < y ? x : y;
    }
  },
  eq: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = +(a[ai] === b[bi]);
  },
  ne: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = +(a[ai] !== b[bi]);
  },
  lt: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = +(a[ai] < b[bi]);
  },
  le: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = +(a[ai] <= b[bi]);
  },
  gt: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = +(a[ai] > b[bi]);
  },
  ge: (a, ai, as, b, bi, bs, out, o, n) => {
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = +(a[ai] >= b[bi]);
  },
};

function isDense(s: Strided, shape: Shape): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && s.strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

function isScalar(s: Strided): boolean {
  for (const st of s.strides) if (st !== 0) return false;
  return true;
}

/** Stride of a whole-array walk: 1 when dense, 0 when one element is broadcast, else null. */
function flatStride(s: Strided, shape: Shape): 0 | 1 | null {
  return isScalar(s) ? 0 : isDense(s, shape) ? 1 : null;
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
    row(
      operands.map((o) => o.offset),
      1,
      operands.map(() => 0),
    );
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

function binaryKernel(row: Row) {
  return (a: Strided, b: Strided, out: TypedArray, shape: Shape): void => {
    const as = flatStride(a, shape);
    const bs = as === null ? null : flatStride(b, shape);
    if (as !== null && bs !== null) {
      row(a.data, a.offset, as, b.data, b.offset, bs, out, 0, out.length);
      return;
    }
    let o = 0;
    forEachRow(shape, [a, b], (offs, len, st) => {
      row(a.data, offs[0], st[0], b.data, offs[1], st[1], out, o, len);
      o += len;
    });
  };
}

export const binary = Object.fromEntries(
  (Object.keys(ROWS) as BinaryOp[]).map((op) => [op, binaryKernel(ROWS[op])]),
) as Kernels['binary'];

export function where(cond: Strided, a: Strided, b: Strided, out: TypedArray, shape: Shape): void {
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  let o = 0;
  forEachRow(shape, [cond, a, b], (offs, len, st) => {
    let ci = offs[0];
    let ai = offs[1];
    let bi = offs[2];
    const [cs, as, bs] = st;
    for (let j = 0; j < len; j++, ci += cs, ai += as, bi += bs) out[o++] = cd[ci] ? ad[ai] : bd[bi];
  });
}

/** The reference fill: the engine's own (a memset for zero). */
export function fill(out: TypedArray, value: number, start: number, end: number): void {
  out.fill(value, start, end);
}

export function copy(src: Strided, dst: Strided, shape: Shape): void {
  const sd = src.data;
  const dd = dst.data;
  if (sd.constructor === dd.constructor && isDense(src, shape) && isDense(dst, shape)) {
    let n = 1;
    for (const s of shape) n *= s;
    dd.set(sd.subarray(src.offset, src.offset + n), dst.offset);
    return;
  }
  forEachRow(shape, [src, dst], (offs, len, st) => {
    // Strides in locals: read from `st` inside the loop they cost ~2x on a transposing copy.
    const ss = st[0];
    const ds = st[1];
    let si = offs[0];
    let di = offs[1];
    for (let j = 0; j < len; j++, si += ss, di += ds) dd[di] = sd[si];
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
