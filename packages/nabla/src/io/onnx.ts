import { OptionError, ShapeError } from '../tensor/errors.js';
import type { Module } from '../nn/module.js';
import { noGrad } from '../autograd/grad-mode.js';
import { cat, narrow } from '../ops/movement.js';
import { flip } from '../ops/rearrange.js';
import { randn } from '../tensor/create.js';
import type { DType } from '../tensor/dtype.js';
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { convertOps } from './onnx-ops.js';
import { traceForward, type Trace } from './onnx-trace.js';
import { ProtoWriter } from './protobuf.js';

/** An ONNX attribute value: ints and floats lists are told apart by `kind`. */
export type OnnxAttr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] };

interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
}

/** ONNX TensorProto element types of nabla's dtypes (and int64, which shapes and axes need). */
export const ONNX_TYPE: Record<DType | 'int64', number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 };

interface Initializer {
  name: string;
  type: number;
  dims: number[];
  raw: Uint8Array;
}

/**
 * Collects nodes and initializers while a traced forward is converted (or an emitter runs);
 * `node` adds an op, `weight`/`constant`/`int64s` add initializers.
 * @example
 * const y = g.node('Gemm', [x, g.weight('fc.weight', fc.weight)], { transB: { kind: 'int', value: 1 } });
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  private counter = 0;

  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}): string {
    const out = `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ opType, inputs, outputs: [out], attrs });
    return out;
  }

  /** A scalar constant of `dtype` (default float32); returns its name. */
  constant(value: number, dtype: DType = 'float32'): string {
    const raw = rawBytes(dtype, [value]);
    return this.add(`const_${this.counter++}`, ONNX_TYPE[dtype], [], raw);
  }

  /** A constant of `dtype` and `dims` from plain numbers (metadata-sized: per-channel statistics); returns its name. */
  arrayConstant(values: readonly number[], dims: readonly number[], dtype: DType): string {
    return this.add(`const_${this.counter++}`, ONNX_TYPE[dtype], [...dims], rawBytes(dtype, values));
  }

  /** A 1-D int64 constant (shapes, axes, starts/ends); returns its name. */
  int64s(values: readonly number[]): string {
    return this.add(`const_${this.counter++}`, ONNX_TYPE.int64, [values.length], rawBytes('int64', values));
  }

  /** Registers a tensor as an initializer under `name` (float32 by default, as model weights are); returns the name. */
  weight(name: string, t: Tensor, keepDtype = false): string {
    const dtype: DType = keepDtype ? t.dtype : 'float32';
    const data = t.to(dtype).contiguous().toTypedArray();
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    return this.add(name, ONNX_TYPE[dtype], [...t.shape], raw);
  }

  /** A fresh name for an initializer made from a tensor of the trace (kept in its dtype). */
  tensorConstant(t: Tensor): string {
    return this.weight(`const_${this.counter++}`, t, true);
  }

  private add(name: string, type: number, dims: number[], raw: Uint8Array): string {
    this.initializers.push({ name, type, dims, raw });
    return name;
  }
}

function rawBytes(dtype: DType | 'int64', values: readonly number[]): Uint8Array {
  if (dtype === 'int64') return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
  const array = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array }[dtype];
  return new Uint8Array(array.from(values).buffer);
}

/** Emits the ONNX nodes for `m` applied to the value named `input`; returns the output name, or null if `m` is not handled. */
export type OnnxEmitter = (m: Module, input: string, g: OnnxGraphBuilder, prefix: string) => string | null;

const emitters: OnnxEmitter[] = [];

/**
 * Overrides how `exportOnnx` writes a module: while tracing, a module that an emitter claims
 * (returns a name for) is not traced op by op but written by the emitter. Rarely needed: any
 * forward built from supported ops exports as it is. Later registrations are tried first.
 * @example
 * registerOnnxEmitter((m, x, g) => (m instanceof Square ? g.node('Mul', [x, x]) : null));
 */
export function registerOnnxEmitter(emit: OnnxEmitter): void {
  emitters.unshift(emit);
}

/** Runs the registered emitters on one module; throws naming the module none of them handles. @example const y = emitModule(block.conv1, x, g, 'conv1.'); */
export function emitModule(m: Module, input: string, g: OnnxGraphBuilder, prefix: string): string {
  const out = tryEmitters(m, input, g, prefix);
  if (out !== null) return out;
  throw new OptionError(
    `exportOnnx: no ONNX emitter for ${m.constructor.name} at '${prefix || '(root)'}'; exportOnnx traces forward without one`,
  );
}

/** The first registered emitter's output for `m`, or null. */
export function tryEmitters(m: Module, input: string, g: OnnxGraphBuilder, prefix: string): string | null {
  for (const emit of emitters) {
    const out = emit(m, input, g, prefix);
    if (out !== null) return out;
  }
  return null;
}

/** Options of `exportOnnx`. */
export interface OnnxExportOptions {
  /** Example input(s) with a batch dimension first, as `forward` takes them. */
  example?: Tensor | readonly Tensor[];
  /** Without `example`: the shape of one float32 example without the batch dimension, e.g. [1, 28, 28]. */
  inputShape?: readonly number[];
  /** Dimension 0 of every input and output is a symbolic batch size `N` (default true); false fixes the example's. */
  dynamicBatch?: boolean;
  inputName?: string;
  outputName?: string;
  /** Names of several inputs / outputs (default input_0…, output_0… when there are several). */
  inputNames?: readonly string[];
  outputNames?: readonly string[];
  /** Ignored (the output shapes come from the trace); kept so older calls still type-check. */
  outputShape?: readonly number[];
  /** ONNX opset; only 17 is written. */
  opset?: number;
}

const OPTION_KEYS: OptionKeys<OnnxExportOptions> = {
  example: true,
  inputShape: true,
  dynamicBatch: true,
  inputName: true,
  outputName: true,
  inputNames: true,
  outputNames: true,
  outputShape: true,
  opset: true,
};

/**
 * Serialises `model` as an ONNX (opset 17) ModelProto by tracing `forward` on an example input,
 * like `torch.onnx.export`: every op the forward runs is written, so custom modules, Embedding,
 * LayerNorm, attention and LSTM/GRU (unrolled over the example's sequence length) export
 * without a per-layer exporter. The model runs in eval mode; parameters and buffers become
 * initializers under their `stateDict` names. The forward is traced twice (the second time on
 * a different input, one example longer when `dynamicBatch`): an attribute or constant that
 * changes between the two must follow the batch size, else the export fails naming the op and
 * its module instead of baking the example's values into the graph.
 * @example
 * const bytes = exportOnnx(model, { example: randn([2, 4]) });
 * // Node: await InferenceSession.create(bytes) in onnxruntime-node
 */
export function exportOnnx(model: Module, options: OnnxExportOptions): Uint8Array {
  checkOptions('exportOnnx', options, OPTION_KEYS);
  const { opset = 17, dynamicBatch = true } = options;
  if (opset !== 17) throw new OptionError(`exportOnnx: only opset 17 is written, got opset ${opset}`);
  const inputs = exampleInputs(options);
  const second = noGrad(() => inputs.map((x) => variant(x, dynamicBatch)));
  const intercept = (m: Module, path: string) => emitters.length > 0 && claims(m, path);
  const traces: [Trace, Trace] = [traceForward(model, inputs, intercept), traceForward(model, second, intercept)];
  const inputNames =
    options.inputNames ?? (inputs.length === 1 ? [options.inputName ?? 'input'] : inputs.map((_, i) => `input_${i}`));
  const count = traces[0].outputs.length;
  const outputNames =
    options.outputNames ??
    (count === 1 ? [options.outputName ?? 'output'] : traces[0].outputs.map((_, i) => `output_${i}`));
  if (inputNames.length !== inputs.length || outputNames.length !== count)
    throw new OptionError(
      `exportOnnx: ${inputs.length} input(s) and ${count} output(s), but ${inputNames.length} input name(s) and ${outputNames.length} output name(s)`,
    );
  const g = new OnnxGraphBuilder();
  const graph = convertOps(model, traces, [inputs, second], inputNames, outputNames, g, {
    dynamicBatch,
    emit: (m, input, prefix) => tryEmitters(m, input, g, prefix),
  });
  const w = new ProtoWriter();
  w.int(1, 8); // ir_version 8 (ONNX 1.10+), readable by every current runtime
  w.string(2, 'nabla').string(3, '0.1.0');
  w.message(7, (gw) => {
    for (const n of g.nodes) gw.message(1, (nw) => writeNode(nw, n));
    gw.string(2, 'nabla_graph');
    for (const init of g.initializers) gw.message(5, (tw) => writeTensor(tw, init));
    for (const v of graph.inputs) gw.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of graph.outputs) gw.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (ow) => ow.string(1, '').int(2, opset));
  return w.finish();
}

/** Whether a registered emitter claims `m` (tried on a scratch builder). */
function claims(m: Module, path: string): boolean {
  return tryEmitters(m, 'input', new OnnxGraphBuilder(), `${path}.`) !== null;
}

function exampleInputs(options: OnnxExportOptions): Tensor[] {
  if (options.example !== undefined) {
    const list = Array.isArray(options.example) ? [...options.example] : [options.example as Tensor];
    if (list.length === 0) throw new OptionError('exportOnnx: example is an empty list');
    return list;
  }
  if (!options.inputShape)
    throw new ShapeError('exportOnnx: give an example input (example: tensor) or its inputShape');
  // A private generator: exporting does not move the global random stream.
  return [randn([2, ...options.inputShape], { generator: new Generator(0x5eed) })];
}

/**
 * The second trace's input: the example reversed along every non-batch dim (other values in
 * every position), plus one more example when the batch is dynamic.
 */
function variant(x: Tensor, dynamicBatch: boolean): Tensor {
  if (x.ndim === 0) return x;
  const y = flip(x, x.ndim > 1 ? Array.from({ length: x.ndim - 1 }, (_, i) => i + 1) : [0]);
  return dynamicBatch ? cat([y, narrow(x, 0, 0, 1)], 0) : y;
}

export interface ValueInfo {
  name: string;
  dtype: DType;
  /** Numbers, or a name for a symbolic dimension. */
  dims: (number | string)[];
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.outputs[0]}_node`).string(4, n.opType);
  for (const [name, attr] of Object.entries(n.attrs)) {
    w.message(5, (aw) => {
      aw.string(1, name);
      if (attr.kind === 'int') aw.int(20, 2).int(3, attr.value);
      else if (attr.kind === 'float') aw.int(20, 1).float(2, attr.value);
      else aw.int(20, 7).packedInts(8, attr.value);
    });
  }
}

function writeTensor(w: ProtoWriter, t: Initializer): void {
  w.packedInts(1, t.dims).int(2, t.type).string(8, t.name);
  w.bytes(9, t.raw);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (tw) =>
    tw.message(1, (tt) => {
      tt.int(1, ONNX_TYPE[v.dtype]);
      tt.message(2, (sw) => {
        for (const d of v.dims) sw.message(1, (dw) => (typeof d === 'number' ? dw.int(1, d) : dw.string(2, d)));
      });
    }),
  );
}
