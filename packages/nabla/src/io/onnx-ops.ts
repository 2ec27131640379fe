/**
 * How each traced op is spelled in ONNX opset 17, and the walk that turns two traces of the
 * same forward into one graph: values that differ between the traces become the symbolic
 * batch size (or fail the export, naming the op and its module).
 */
import { OptionError, StateError } from '../tensor/errors.js';
import type { Module } from '../nn/module.js';
import { equal } from '../ops/comparison.js';
import { amax, amin } from '../ops/reduce.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { ONNX_TYPE, type OnnxAttr, type OnnxGraphBuilder, type ValueInfo } from './onnx.js';
import type { ModuleCall, Trace, TraceEntry } from './onnx-trace.js';

/** A merged value: the same in both traces, 'N' (the batch size in both), or '?' (something else that varies). */
type Dim = number | 'N' | '?';

/** What a converter sees of one op. */
interface OpContext {
  readonly op: TraceEntry;
  readonly g: OnnxGraphBuilder;
  /** The ONNX value name of input `k`. */
  input(k: number): string;
  /** Input `k`'s shape, merged over both traces. */
  inShape(k: number): Dim[];
  /** The output's shape, merged over both traces. */
  readonly outShape: Dim[];
  /** Attribute `key`, merged over both traces (numbers that differ become 'N' or '?'). */
  attr<T = unknown>(key: string): T;
  /** Fails the export naming this op and its module. */
  fail(problem: string): never;
}

type Converter = (c: OpContext) => string;

const int = (value: number): OnnxAttr => ({ kind: 'int', value });
const ints = (value: number[]): OnnxAttr => ({ kind: 'ints', value });

/** A scalar constant of the output's dtype. */
const scalarOf = (c: OpContext, v: number): string => c.g.constant(v, c.op.output.dtype);

/** Static numbers, or the named problem. */
function fixed(c: OpContext, values: Dim[], what: string): number[] {
  if (values.some((v) => typeof v !== 'number'))
    c.fail(`its ${what} [${values.join(', ')}] changes with the batch size; export with dynamicBatch: false`);
  return values as number[];
}

function fixedNumber(c: OpContext, key: string): number {
  const v = c.attr(key);
  if (typeof v !== 'number') c.fail(`its '${key}' changes with the input; export with dynamicBatch: false`);
  return v;
}

const unary =
  (opType: string): Converter =>
  (c) =>
    c.g.node(opType, [c.input(0)]);
const binary =
  (opType: string): Converter =>
  (c) =>
    c.g.node(opType, [c.input(0), c.input(1)]);

/** A shape for Reshape: the batch copied from the input (0) where it stays in place, one other unknown as -1. */
function reshapeTarget(c: OpContext): number[] {
  const from = c.inShape(0);
  const target = c.outShape.map((d, i) => (d === 'N' && from[i] === 'N' ? 0 : d));
  const unknown = target.filter((d) => typeof d !== 'number').length;
  if (unknown > 1) c.fail(`its target shape [${c.outShape.join(', ')}] has more than one size that follows the batch`);
  return target.map((d) => (typeof d === 'number' ? d : -1));
}

/** Pads [top, left, bottom, right] of a 2-d window; the bottom/right pad grows where 'same' needs an odd one. */
function windowPads(c: OpContext, w: Record<string, number | Dim>, ceilMode = false): number[] {
  const n = (key: string) => {
    const v = w[key];
    if (typeof v !== 'number') c.fail(`its window's ${key} changes with the input`);
    return v;
  };
  if (ceilMode) return [n('padH'), n('padW'), n('padH'), n('padW')];
  const end = (size: string, k: string, s: string, d: string, p: string, out: string) =>
    Math.max(n(p), (n(out) - 1) * n(s) + (n(k) - 1) * n(d) + 1 - n(size) - n(p));
  return [
    n('padH'),
    n('padW'),
    end('height', 'kernelH', 'strideH', 'dilationH', 'padH', 'outH'),
    end('width', 'kernelW', 'strideW', 'dilationW', 'padW', 'outW'),
  ];
}

/** A per-channel constant shaped [C, 1, …] to broadcast over [N, C, …]. */
function channelConstant(c: OpContext, values: ArrayLike<number>, rank: number, dtype: DType): string {
  return c.g.arrayConstant(Array.from(values), [values.length, ...Array<number>(Math.max(0, rank - 2)).fill(1)], dtype);
}

function argReduce(c: OpContext, opType: 'ArgMax' | 'ArgMin'): string {
  if (c.op.inputs[0].ndim === 0) return c.g.constant(0, 'int32'); // the only index of a scalar
  const indices = c.g.node(opType, [c.input(0)], { axis: int(fixedNumber(c, 'dim')), keepdims: int(1) });
  return c.g.node('Cast', [indices], { to: int(ONNX_TYPE.int32) });
}

const CONVERTERS: Record<string, Converter> = {
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  recip: unary('Reciprocal'),
  abs: unary('Abs'),
  sign: unary('Sign'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  relu: unary('Relu'),
  erf: unary('Erf'),
  floor: unary('Floor'),
  ceil: unary('Ceil'),
  round: unary('Round'),
  tan: unary('Tan'),
  atan: unary('Atan'),
  asin: unary('Asin'),
  acos: unary('Acos'),
  sinh: unary('Sinh'),
  cosh: unary('Cosh'),
  asinh: unary('Asinh'),
  acosh: unary('Acosh'),
  atanh: unary('Atanh'),
  log1p: (c) => c.g.node('Log', [c.g.node('Add', [c.input(0), scalarOf(c, 1)])]),
  expm1: (c) => c.g.node('Sub', [c.g.node('Exp', [c.input(0)]), scalarOf(c, 1)]),
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  eq: binary('Equal'),
  ne: (c) => c.g.node('Not', [c.g.node('Equal', [c.input(0), c.input(1)])]),
  lt: binary('Less'),
  le: binary('LessOrEqual'),
  gt: binary('Greater'),
  ge: binary('GreaterOrEqual'),
  atan2: (c) => c.fail('atan2 has no ONNX op'),
  where: (c) => c.g.node('Where', [c.input(0), c.input(1), c.input(2)]),
  clamp: (c) => {
    // Max then Min, as clamp compares: with min > max every element is max.
    const [min, max] = [c.attr<number | 'tensor' | null>('min'), c.attr<number | 'tensor' | null>('max')];
    let y = c.input(0);
    let k = 1;
    if (min !== null) y = c.g.node('Max', [y, typeof min === 'number' ? scalarOf(c, min) : c.input(k++)]);
    if (max !== null) y = c.g.node('Min', [y, typeof max === 'number' ? scalarOf(c, max) : c.input(k++)]);
    return y;
  },
  cast: (c) => c.g.node('Cast', [c.input(0)], { to: int(ONNX_TYPE[c.op.output.dtype]) }),
  clone: unary('Identity'),
  // An in-place op: the tensor now holds its input's value.
  assign: unary('Identity'),
  softmax: (c) => c.g.node('Softmax', [c.input(0)], { axis: int(fixedNumber(c, 'dim')) }),
  logSoftmax: (c) => c.g.node('LogSoftmax', [c.input(0)], { axis: int(fixedNumber(c, 'dim')) }),
  sum: (c) => {
    const dims = fixed(c, c.attr<Dim[]>('dims'), 'dims');
    return c.g.node('ReduceSum', [c.input(0), c.g.int64s(dims)], { keepdims: int(c.attr('keepdim') ? 1 : 0) });
  },
  amax: (c) =>
    c.g.node('ReduceMax', [c.input(0)], {
      axes: ints(fixed(c, c.attr<Dim[]>('dims'), 'dims')),
      keepdims: int(c.attr('keepdim') ? 1 : 0),
    }),
  amin: (c) =>
    c.g.node('ReduceMin', [c.input(0)], {
      axes: ints(fixed(c, c.attr<Dim[]>('dims'), 'dims')),
      keepdims: int(c.attr('keepdim') ? 1 : 0),
    }),
  // ONNX gives int64 indices (the first of ties, as nabla); nabla's are int32.
  argmax: (c) => argReduce(c, 'ArgMax'),
  argmin: (c) => argReduce(c, 'ArgMin'),
  var: (c) => {
    const dims = fixed(c, c.attr<Dim[]>('dims'), 'dims');
    const shape = c.inShape(0);
    const count = dims.reduce((a, d) => a * (typeof shape[d] === 'number' ? (shape[d] as number) : Number.NaN), 1);
    if (Number.isNaN(count)) c.fail('it reduces over the batch dimension; export with dynamicBatch: false');
    const x = c.input(0);
    const centered = c.g.node('Sub', [x, c.g.node('ReduceMean', [x], { axes: ints(dims), keepdims: int(1) })]);
    const squares = c.g.node('ReduceSum', [c.g.node('Mul', [centered, centered]), c.g.int64s(dims)], {
      keepdims: int(c.attr('keepdim') ? 1 : 0),
    });
    return c.g.node('Div', [squares, scalarOf(c, Math.max(0, count - fixedNumber(c, 'correction')))]);
  },
  matmul: binary('MatMul'),
  linear: (c) => {
    const bias = c.op.inputs.length > 2;
    if (c.op.inputs[0].ndim === 2) {
      const inputs = [c.input(0), c.input(1), ...(bias ? [c.input(2)] : [])];
      return c.g.node('Gemm', inputs, { transB: int(1) });
    }
    const product = c.g.node('MatMul', [c.input(0), c.g.node('Transpose', [c.input(1)], { perm: ints([1, 0]) })]);
    return bias ? c.g.node('Add', [product, c.input(2)]) : product;
  },
  conv2d: (c) => {
    const w = c.attr<Record<string, number | Dim>>('window');
    const inputs = [c.input(0), c.input(1), ...(c.op.inputs.length > 2 ? [c.input(2)] : [])];
    return c.g.node('Conv', inputs, {
      kernel_shape: ints([w.kernelH as number, w.kernelW as number]),
      strides: ints([w.strideH as number, w.strideW as number]),
      dilations: ints([w.dilationH as number, w.dilationW as number]),
      pads: ints(windowPads(c, w)),
      group: int(w.groups as number),
    });
  },
  convTranspose2d: (c) => {
    // The geometry is conv2d's with the roles swapped: height/width are this op's output, outH/outW its input.
    const w = c.attr<Record<string, number | Dim>>('window');
    const n = (key: string): number => {
      const v = w[key];
      return typeof v === 'number' ? v : c.fail(`its window's ${key} changes with the input`);
    };
    const extra = (size: string, input: string, s: string, k: string, d: string, p: string) =>
      n(size) - ((n(input) - 1) * n(s) + (n(k) - 1) * n(d) + 1 - 2 * n(p));
    const inputs = [c.input(0), c.input(1), ...(c.op.inputs.length > 2 ? [c.input(2)] : [])];
    return c.g.node('ConvTranspose', inputs, {
      kernel_shape: ints([n('kernelH'), n('kernelW')]),
      strides: ints([n('strideH'), n('strideW')]),
      dilations: ints([n('dilationH'), n('dilationW')]),
      pads: ints([n('padH'), n('padW'), n('padH'), n('padW')]),
      output_padding: ints([
        extra('height', 'outH', 'strideH', 'kernelH', 'dilationH', 'padH'),
        extra('width', 'outW', 'strideW', 'kernelW', 'dilationW', 'padW'),
      ]),
      group: int(n('groups')),
    });
  },
  norm: (c) => {
    // p-norms for p other than 0, 1 and ±inf (those are sums and maxima of their own ops).
    const dims = fixed(c, c.attr<Dim[]>('dims'), 'dims');
    const keepdims = int(c.attr('keepdim') ? 1 : 0);
    const p = fixedNumber(c, 'ord');
    if (p === 2) return c.g.node('ReduceL2', [c.input(0)], { axes: ints(dims), keepdims });
    const powered = c.g.node('Pow', [c.g.node('Abs', [c.input(0)]), scalarOf(c, p)]);
    return c.g.node('Pow', [c.g.node('ReduceSum', [powered, c.g.int64s(dims)], { keepdims }), scalarOf(c, 1 / p)]);
  },
  maxPool2d: (c) => {
    const w = c.attr<Record<string, number | Dim>>('window');
    const ceilMode = c.attr('ceilMode') === true;
    return c.g.node('MaxPool', [c.input(0)], {
      kernel_shape: ints([w.kernelH as number, w.kernelW as number]),
      strides: ints([w.strideH as number, w.strideW as number]),
      dilations: ints([w.dilationH as number, w.dilationW as number]),
      pads: ints(windowPads(c, w, true)),
      ceil_mode: int(ceilMode ? 1 : 0),
    });
  },
  avgPool2d: (c) => {
    const w = c.attr<Record<string, number | Dim>>('window');
    if (c.attr('divisor') !== 0) c.fail('avg pooling with divisorOverride has no ONNX equivalent');
    return c.g.node('AveragePool', [c.input(0)], {
      kernel_shape: ints([w.kernelH as number, w.kernelW as number]),
      strides: ints([w.strideH as number, w.strideW as number]),
      pads: ints(windowPads(c, w, true)),
      ceil_mode: int(c.attr('ceilMode') === true ? 1 : 0),
      count_include_pad: int(c.attr('countIncludePad') === false ? 0 : 1),
    });
  },
  batchNorm: (c) => {
    const rank = c.op.inputs[0].ndim;
    const dtype = c.op.output.dtype;
    let y: string;
    if (c.attr('batchStats')) {
      // Statistics of this batch (layer and group norm, or trackRunningStats: false): every dim but 1, biased variance.
      const axes = ints(Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 1));
      const x = c.input(0);
      const centered = c.g.node('Sub', [x, c.g.node('ReduceMean', [x], { axes, keepdims: int(1) })]);
      const variance = c.g.node('ReduceMean', [c.g.node('Mul', [centered, centered])], { axes, keepdims: int(1) });
      const std = c.g.node('Sqrt', [c.g.node('Add', [variance, scalarOf(c, fixedNumber(c, 'eps'))])]);
      y = c.g.node('Div', [centered, std]);
    } else {
      const mean = channelConstant(c, c.attr<ArrayLike<number>>('mean'), rank, dtype);
      const invstd = channelConstant(c, c.attr<ArrayLike<number>>('invstd'), rank, dtype);
      y = c.g.node('Mul', [c.g.node('Sub', [c.input(0), mean]), invstd]);
    }
    const channels = c.op.inputs[0].shape[1] ?? 1;
    const perChannel = (k: number) =>
      c.g.node('Reshape', [c.input(k), c.g.int64s([channels, ...Array<number>(Math.max(0, rank - 2)).fill(1)])]);
    let k = 1;
    if (c.attr('hasWeight')) y = c.g.node('Mul', [y, perChannel(k++)]);
    if (c.attr('hasBias')) y = c.g.node('Add', [y, perChannel(k++)]);
    return y;
  },
  gather: (c) => c.g.node('GatherElements', [c.input(0), c.input(1)], { axis: int(fixedNumber(c, 'dim')) }),
  indexSelect: (c) => c.g.node('Gather', [c.input(0), c.input(1)], { axis: int(fixedNumber(c, 'dim')) }),
  cumsum: (c) => c.g.node('CumSum', [c.input(0), c.g.constant(fixedNumber(c, 'dim'), 'int32')]),
  reshape: (c) => c.g.node('Reshape', [c.input(0), c.g.int64s(reshapeTarget(c))]),
  squeeze: (c) => c.g.node('Reshape', [c.input(0), c.g.int64s(reshapeTarget(c))]),
  unsqueeze: (c) => c.g.node('Reshape', [c.input(0), c.g.int64s(reshapeTarget(c))]),
  permute: (c) => c.g.node('Transpose', [c.input(0)], { perm: ints(fixed(c, c.attr<Dim[]>('perm'), 'perm')) }),
  expand: (c) => {
    // A size that follows the batch stays 1 in the target: Expand broadcasts it from the input.
    const from = c.inShape(0);
    const lead = c.outShape.length - from.length;
    const target = c.outShape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i >= lead && from[i - lead] === d) return 1;
      return c.fail(`it expands to a size that follows the batch [${c.outShape.join(', ')}]`);
    });
    return c.g.node('Expand', [c.input(0), c.g.int64s(target)]);
  },
  slice: (c) => {
    const dim = fixedNumber(c, 'dim');
    const start = fixedNumber(c, 'start');
    const step = fixedNumber(c, 'step');
    const endValue = c.attr<Dim>('end');
    // An end at the dimension's size (the batch's, say) is "to the end".
    if (endValue !== c.inShape(0)[dim] && typeof endValue !== 'number') c.fail('its end changes with the input');
    const end = endValue === c.inShape(0)[dim] ? Number.MAX_SAFE_INTEGER : (endValue as number);
    return c.g.node('Slice', [
      c.input(0),
      c.g.int64s([start]),
      c.g.int64s([end]),
      c.g.int64s([dim]),
      c.g.int64s([step]),
    ]);
  },
  cat: (c) =>
    c.g.node(
      'Concat',
      c.op.inputs.map((_, k) => c.input(k)),
      { axis: int(fixedNumber(c, 'dim')) },
    ),
};

/** The module an op ran in, as error messages name it. */
function where(op: TraceEntry): string {
  return op.path
    ? `module '${op.path}' (${op.module.constructor.name})`
    : `the root module (${op.module.constructor.name})`;
}

function merge(a: unknown, b: unknown, batch: [number, number]): unknown {
  if (a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return a;
    return a === batch[0] && b === batch[1] && batch[0] !== batch[1] ? 'N' : '?';
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b))
    return merge(Array.from(a as never), Array.from(b as never), batch);
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.map((x, i) => merge(x, b[i], batch));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    if (Object.getPrototypeOf(a) !== Object.prototype) return a; // tensors, modules: compared by the walk
    return Object.fromEntries(Object.keys(a).map((k) => [k, merge((a as never)[k], (b as never)[k], batch)]));
  }
  return '?';
}

const mergeShape = (a: readonly number[], b: readonly number[], batch: [number, number]): Dim[] =>
  a.length === b.length ? a.map((d, i) => merge(d, b[i], batch) as Dim) : a.map(() => '?');

/** Whether two tensors hold the same shape and values. */
function same(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.ndim === b.ndim && a.shape.every((d, i) => d === b.shape[i]) && equal(a, b);
}

/** The one value of a tensor whose elements are all equal, else null. */
function uniform(t: Tensor): number | null {
  if (t.numel() === 0) return null;
  const x = t.dtype === 'bool' ? t.to('int32') : t;
  const hi = amax(x).item();
  return hi === amin(x).item() ? hi : null;
}

export interface ConvertOptions {
  dynamicBatch: boolean;
  /** A registered emitter's output for a module the trace stood in for. */
  emit: (m: Module, input: string, prefix: string) => string | null;
}

/**
 * Writes the ops that lead to the outputs of `traces[0]` into `g` (dead ops, such as the
 * internals of a composite op, are left out) and returns the graph's inputs and outputs.
 */
export function convertOps(
  model: Module,
  traces: readonly [Trace, Trace],
  inputs: readonly [readonly Tensor[], readonly Tensor[]],
  inputNames: readonly string[],
  outputNames: readonly string[],
  g: OnnxGraphBuilder,
  options: ConvertOptions,
): { inputs: ValueInfo[]; outputs: ValueInfo[] } {
  const [first, second] = traces;
  const mismatch = first.ops.findIndex((op, i) => second.ops[i]?.name !== op.name);
  if (mismatch >= 0 || first.ops.length !== second.ops.length || first.outputs.length !== second.outputs.length) {
    const i = mismatch >= 0 ? mismatch : Math.min(first.ops.length, second.ops.length);
    const op = first.ops[i] ?? second.ops[i];
    throw new StateError(
      `exportOnnx: forward ran different ops on a second input${op ? ` (op ${i}, '${op.name}' in ${where(op)})` : ''}: ` +
        'branches or loops that depend on the input values or the batch size cannot be traced ' +
        '(an input whose batch is not dimension 0, like a sequence-first RNN, needs dynamicBatch: false)',
    );
  }
  const batch: [number, number] = [inputs[0][0].shape[0] ?? 1, inputs[1][0].shape[0] ?? 1];
  const params = new Map<Tensor, string>();
  for (const [name, p] of model.namedParameters()) params.set(p, name);
  for (const [name, b] of model.namedBuffers()) params.set(b, name);
  const inputIndex = new Map<Tensor, number>(inputs[0].map((t, i) => [t, i]));

  // Where each op input comes from: an earlier op (by index), a model input, a parameter or a constant.
  type Source = { op: number } | { input: number } | { param: string } | { constant: true };
  const latest = new Map<Tensor, number>();
  const sourceOf = (t: Tensor): Source => {
    const op = latest.get(t);
    if (op !== undefined) return { op };
    const input = inputIndex.get(t);
    if (input !== undefined) return { input };
    const param = params.get(t);
    return param !== undefined ? { param } : { constant: true };
  };
  const sources = first.ops.map((op, i) => {
    const s = op.inputs.map(sourceOf);
    latest.set(op.output, i);
    return s;
  });
  const outputSources = first.outputs.map(sourceOf);

  // Only the ops the outputs depend on.
  const needed = new Set<number>();
  const visit = (s: Source) => {
    if (!('op' in s) || needed.has(s.op)) return;
    needed.add(s.op);
    for (const x of sources[s.op]) visit(x);
  };
  for (const s of outputSources) visit(s);

  const opValues = new Map<number, string>();
  const constants = new Map<Tensor, string>();
  const paramNames = new Map<string, string>();
  let batchShape: string | null = null;
  const batchDim = (): string => {
    batchShape ??= g.node('Gather', [g.node('Shape', [inputNames[0]]), g.int64s([0])], { axis: int(0) });
    return batchShape;
  };
  const constantValue = (t: Tensor, other: Tensor | undefined, fail: (problem: string) => never): string => {
    const known = constants.get(t);
    if (known) return known;
    let name: string;
    if (!other || same(t, other)) name = g.tensorConstant(t);
    else {
      const shape = mergeShape(t.shape, other.shape, batch);
      const value = uniform(t);
      if (options.dynamicBatch && shape.every((d) => d !== '?') && value !== null && value === uniform(other)) {
        // A filled tensor whose size follows the batch (an RNN's zero initial state): Expand at run time.
        const dims = shape.map((d) => (d === 'N' ? batchDim() : g.int64s([d as number])));
        name = g.node('Expand', [g.constant(value, t.dtype), g.node('Concat', dims, { axis: int(0) })]);
      } else
        fail(
          `it reads a tensor of shape [${t.shape.join(', ')}] that changes with the input but was made outside the traced ops ` +
            '(a value read back into JavaScript, an op without an ONNX trace, or a tensor built per batch)',
        );
    }
    constants.set(t, name);
    return name;
  };
  const nameOf = (s: Source, t: Tensor, other: Tensor | undefined, fail: (problem: string) => never): string => {
    if ('op' in s) return opValues.get(s.op) as string;
    if ('input' in s) return inputNames[s.input];
    if ('param' in s) {
      let name = paramNames.get(s.param);
      if (!name) paramNames.set(s.param, (name = g.weight(s.param, t, true)));
      return name;
    }
    return constantValue(t, other, fail);
  };

  for (let i = 0; i < first.ops.length; i++) {
    if (!needed.has(i)) continue;
    const op = first.ops[i];
    const twin = second.ops[i];
    const fail = (problem: string): never => {
      throw new OptionError(`exportOnnx: '${op.name}' in ${where(op)}: ${problem}`);
    };
    if (op.name === 'module') {
      const call = op.attrs.call as ModuleCall;
      const out = options.emit(call.module, nameOf(sources[i][0], op.inputs[0], twin.inputs[0], fail), `${call.path}.`);
      if (out === null) fail('its ONNX emitter returned null on the second call');
      opValues.set(i, out as string);
      continue;
    }
    const convert = CONVERTERS[op.name];
    if (!convert)
      throw new OptionError(
        `exportOnnx: no ONNX conversion for op '${op.name}' in ${where(op)} (supported: ${Object.keys(CONVERTERS).sort().join(', ')})`,
      );
    const attrs = merge(op.attrs, twin.attrs, batch) as Record<string, unknown>;
    const context: OpContext = {
      op,
      g,
      input: (k) => nameOf(sources[i][k], op.inputs[k], twin.inputs[k], fail),
      inShape: (k) => mergeShape(op.inputs[k].shape, twin.inputs[k].shape, batch),
      outShape: mergeShape(op.output.shape, twin.output.shape, batch),
      attr: <T>(key: string) => attrs[key] as T,
      fail,
    };
    opValues.set(i, convert(context));
  }

  const info = (t: Tensor, other: Tensor, name: string): ValueInfo => ({
    name,
    dtype: t.dtype,
    dims: mergeShape(t.shape, other.shape, batch).map((d, k) => (d === '?' ? `${name}_dim${k}` : d)),
  });
  const outputs = first.outputs.map((t, k) => {
    const fail = (problem: string): never => {
      throw new OptionError(`exportOnnx: output ${k} of forward: ${problem}`);
    };
    const value = nameOf(outputSources[k], t, second.outputs[k], fail);
    g.nodes.push({ opType: 'Identity', inputs: [value], outputs: [outputNames[k]], attrs: {} });
    return info(t, second.outputs[k], outputNames[k]);
  });
  return { inputs: inputs[0].map((t, k) => info(t, inputs[1][k], inputNames[k])), outputs };
}
