/**
 * The shape of nabla's op table (like PyTorch's OpInfo): per op, how a PyTorch user writes it
 * with nabla (`call`, run on the PyTorch cases of test/fixtures/ops.json, written by
 * scripts/fixtures/gen_ops.py) and its finite-difference gradient checks (`gradcheck`). The test
 * files run every entry on every backend of test/backends.ts.
 */
import { Generator, Tensor, tensor, type GradcheckOptions, type Shape, type ValuesIndices } from '../../src/index.js';

export type Args = Record<string, unknown>;
export type Result = Tensor | ValuesIndices | Tensor[] | boolean | number;
/** The op on a fixture case's inputs (views applied) and keyword arguments, as the generator wrote them. */
export type Call = (xs: Tensor[], a: Args) => Result;

/** How a gradcheck input's values are drawn. */
export type Range = 'normal' | 'positive' | 'nonzero' | 'unit';

export interface InputSpec {
  shape: Shape;
  range?: Range;
  /** Fixed values (row-major) instead of drawn ones: zeros, boundaries, ties. */
  values?: number[];
}

/** A float64 finite-difference check of `fn` at inputs drawn from `inputs`. */
export interface GradCase {
  name: string;
  inputs: InputSpec[];
  fn: (...xs: Tensor[]) => Tensor;
  options?: GradcheckOptions;
}

export interface OpInfo {
  call?: Call;
  gradcheck?: GradCase[];
}
export type OpTable = Record<string, OpInfo>;

// Fixture arguments: JSON carries infinities as 'inf' / '-inf' and absent values as null.
export const num = (a: Args, k: string): number => {
  const v = a[k];
  if (typeof v === 'number') return v;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`case argument ${k} is ${JSON.stringify(v)}, not a number`);
};
export const opt = (a: Args, k: string): number | undefined =>
  a[k] === undefined || a[k] === null ? undefined : num(a, k);
export const nums = (a: Args, k: string): number[] => a[k] as number[];
export const bool = (a: Args, k: string): boolean => a[k] === true;
/** A `dim` argument: a number, a list, or absent. */
export const dims = (a: Args): number | number[] | undefined =>
  a.dim === undefined || a.dim === null ? undefined : (a.dim as number | number[]);
export const keep = (a: Args): boolean => bool(a, 'keepdim');

const gen = new Generator(1234);

/** A float64 leaf that requires grad, with values drawn from `range` (or the given `values`). */
export function makeInput({ shape, range = 'normal', values }: InputSpec): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (values && values.length !== n) throw new Error(`makeInput: ${values.length} values for shape [${shape}]`);
  const data = values
    ? Float64Array.from(values)
    : Float64Array.from({ length: n }, () => {
        const u = gen.random();
        switch (range) {
          case 'positive':
            return 0.3 + 1.7 * u; // log, sqrt, reciprocal, pow base
          case 'nonzero':
            return (u < 0.5 ? -1 : 1) * (0.2 + gen.random()); // abs, relu, sign-sensitive
          case 'unit':
            return 1.6 * u - 0.8; // inside (-1, 1)
          default:
            return gen.normal();
        }
      });
  return Tensor.fromData(data, shape).requiresGrad_();
}

/** Input specs: drawn normal, drawn nonzero, or fixed values (1-D unless a shape is given). */
export const s = (...shape: number[]): InputSpec => ({ shape });
export const nz = (...shape: number[]): InputSpec => ({ shape, range: 'nonzero' });
export const v = (values: number[], shape: number[] = [values.length]): InputSpec => ({ shape, values });
export const idx = (values: number[][] | number[]): Tensor => tensor(values, { dtype: 'int32' });

/** Contiguous, transposed, strided, 0-d and size-0 checks of a unary op. */
export const unaryCases = (name: string, f: (x: Tensor) => Tensor, range: Range = 'normal'): GradCase[] => [
  { name: `${name} [3, 4]`, inputs: [{ shape: [3, 4], range }], fn: f },
  { name: `${name} of a transposed view`, inputs: [{ shape: [4, 3], range }], fn: (x) => f(x.t()) },
  { name: `${name} of a strided slice`, inputs: [{ shape: [6, 2], range }], fn: (x) => f(x.slice(0, 1, 6, 2)) },
  { name: `${name} 0-d`, inputs: [{ shape: [], range }], fn: f },
  { name: `${name} size-0`, inputs: [{ shape: [0, 3], range }], fn: f },
];

/** Same-shape, broadcast, 0-d, non-contiguous and size-0 checks of a binary op. */
export const binaryCases = (
  name: string,
  f: (a: Tensor, b: Tensor) => Tensor,
  ra: Range = 'normal',
  rb: Range = 'normal',
): GradCase[] => [
  {
    name: `${name} same shape`,
    inputs: [
      { shape: [2, 3], range: ra },
      { shape: [2, 3], range: rb },
    ],
    fn: f,
  },
  {
    name: `${name} broadcast [2,1,3] x [4,1]`,
    inputs: [
      { shape: [2, 1, 3], range: ra },
      { shape: [4, 1], range: rb },
    ],
    fn: f,
  },
  {
    name: `${name} with a 0-d operand`,
    inputs: [
      { shape: [3], range: ra },
      { shape: [], range: rb },
    ],
    fn: f,
  },
  {
    name: `${name} of non-contiguous views`,
    inputs: [
      { shape: [3, 2], range: ra },
      { shape: [2, 6], range: rb },
    ],
    fn: (a, b) => f(a.t(), b.slice(1, 0, 6, 2)),
  },
  {
    name: `${name} size-0 broadcast`,
    inputs: [
      { shape: [0, 3], range: ra },
      { shape: [3], range: rb },
    ],
    fn: f,
  },
];

/** All-dims, one-dim, keepdim, multi-dim (of a permuted view), size-1 and 0-d checks of a reduction. */
export const dimCases = (
  name: string,
  f: (x: Tensor, dim?: number | number[], keepdim?: boolean) => Tensor,
): GradCase[] => [
  { name: `${name} all`, inputs: [s(3, 4)], fn: (x) => f(x) },
  { name: `${name} dim 0`, inputs: [s(3, 4)], fn: (x) => f(x, 0) },
  { name: `${name} dim -1 keepdim`, inputs: [s(3, 4)], fn: (x) => f(x, -1, true) },
  { name: `${name} dims [0, 2] of a permuted view`, inputs: [s(4, 2, 3)], fn: (x) => f(x.permute(2, 0, 1), [0, 2]) },
  { name: `${name} dims [0, 2] keepdim`, inputs: [s(2, 3, 4)], fn: (x) => f(x, [0, 2], true) },
  { name: `${name} over a size-1 dim`, inputs: [s(3, 1)], fn: (x) => f(x, 1) },
  { name: `${name} 0-d`, inputs: [s()], fn: (x) => f(x) },
];

/** One family's entries: each op's call and gradient checks, joined by op name. */
export function opTable(calls: Record<string, Call>, gradchecks: Record<string, GradCase[]>): OpTable {
  const out: OpTable = {};
  for (const [op, call] of Object.entries(calls)) out[op] = { call };
  for (const [op, cases] of Object.entries(gradchecks)) out[op] = { ...out[op], gradcheck: cases };
  return out;
}
