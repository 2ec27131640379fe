import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
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

/**
 * Collects nodes and weights while a model is walked; emitters call `node` and `weight`.
 * @example
 * const y = g.node('Gemm', [x, g.weight('fc.weight', fc.weight)], { transB: { kind: 'int', value: 1 } });
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly weights: { name: string; tensor: Tensor }[] = [];
  private counter = 0;

  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}): string {
    const out = `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ opType, inputs, outputs: [out], attrs });
    return out;
  }

  /** A float32 scalar constant (e.g. Clip bounds, which ONNX takes as inputs); returns its name. */
  constant(value: number): string {
    return this.weight(`const_${this.counter++}`, tensor(value));
  }

  /** Registers a float32 initializer (a parameter or buffer) and returns its name. */
  weight(name: string, tensor: Tensor): string {
    this.weights.push({ name, tensor: tensor.to('float32') });
    return name;
  }
}

/** Emits the ONNX nodes for `m` applied to the value named `input`; returns the output name, or null if `m` is not handled. */
export type OnnxEmitter = (m: Module, input: string, g: OnnxGraphBuilder, prefix: string) => string | null;

const emitters: OnnxEmitter[] = [];

/**
 * Teaches `exportOnnx` a layer; later registrations are tried first.
 * @example
 * registerOnnxEmitter((m, x, g) => (m instanceof Square ? g.node('Mul', [x, x]) : null));
 */
export function registerOnnxEmitter(emit: OnnxEmitter): void {
  emitters.unshift(emit);
}

/** Parameter-free layers that map one-to-one onto an ONNX op, by class name. */
const SIMPLE_OPS: Record<string, string> = {
  ReLU: 'Relu',
  Tanh: 'Tanh',
  Sigmoid: 'Sigmoid',
  Identity: 'Identity',
  Dropout: 'Identity',
  Dropout2d: 'Identity',
};

registerOnnxEmitter((m, input, g) =>
  m.constructor.name in SIMPLE_OPS ? g.node(SIMPLE_OPS[m.constructor.name], [input]) : null,
);
registerOnnxEmitter((m, input, g, prefix) => {
  if (!(m instanceof nn.Linear)) return null;
  const inputs = [input, g.weight(`${prefix}weight`, m.weight)];
  if (m.bias) inputs.push(g.weight(`${prefix}bias`, m.bias));
  return g.node('Gemm', inputs, { transB: { kind: 'int', value: 1 } });
});
registerOnnxEmitter((m, input, g, prefix) => {
  if (!(m instanceof nn.Sequential)) return null;
  let x = input;
  [...m].forEach((child, i) => {
    x = emitModule(child, x, g, `${prefix}${i}.`);
  });
  return x;
});

/** Runs the emitters on one module; the error names the module that none handles. @example const y = emitModule(block.conv1, x, g, 'conv1.'); */
export function emitModule(m: Module, input: string, g: OnnxGraphBuilder, prefix: string): string {
  for (const emit of emitters) {
    const out = emit(m, input, g, prefix);
    if (out !== null) return out;
  }
  throw new Error(
    `exportOnnx: no ONNX emitter for ${m.constructor.name} at '${prefix || '(root)'}'; register one with registerOnnxEmitter()`,
  );
}

/** Options of `exportOnnx`. */
export interface OnnxExportOptions {
  /** Shape of one example without the batch dimension, e.g. [1, 28, 28]. */
  inputShape: readonly number[];
  inputName?: string;
  outputName?: string;
  /** Output feature count, written into the output's type (optional). */
  outputShape?: readonly number[];
  opset?: number;
}

const FLOAT = 1;

/**
 * Serialises `model` (in eval mode) as an ONNX ModelProto with a dynamic batch dimension `N`.
 * Handles Sequential stacks of the registered layers; weights become float32 initializers.
 * @example
 * const bytes = exportOnnx(model, { inputShape: [4] });
 * // Node: await InferenceSession.create(bytes) in onnxruntime-node
 */
export function exportOnnx(model: Module, options: OnnxExportOptions): Uint8Array {
  const { inputName = 'input', outputName = 'output', opset = 17 } = options;
  const g = new OnnxGraphBuilder();
  const last = emitModule(model, inputName, g, '');
  g.nodes.push({ opType: 'Identity', inputs: [last], outputs: [outputName], attrs: {} });
  const w = new ProtoWriter();
  w.int(1, 8); // ir_version 8 (ONNX 1.10+), readable by every current runtime
  w.string(2, 'nabla').string(3, '0.1.0');
  w.message(7, (gw) => writeGraph(gw, g, inputName, outputName, options));
  w.message(8, (ow) => ow.string(1, '').int(2, opset));
  return w.finish();
}

function writeGraph(
  w: ProtoWriter,
  g: OnnxGraphBuilder,
  inputName: string,
  outputName: string,
  options: OnnxExportOptions,
): void {
  for (const n of g.nodes) w.message(1, (nw) => writeNode(nw, n));
  w.string(2, 'nabla_graph');
  for (const { name, tensor } of g.weights) w.message(5, (tw) => writeTensor(tw, name, tensor));
  w.message(11, (vw) => writeValueInfo(vw, inputName, options.inputShape));
  w.message(12, (vw) => writeValueInfo(vw, outputName, options.outputShape));
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

function writeTensor(w: ProtoWriter, name: string, t: Tensor): void {
  w.packedInts(1, [...t.shape])
    .int(2, FLOAT)
    .string(8, name);
  const data = t.toTypedArray() as Float32Array;
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  w.bytes(9, raw);
}

/** A float tensor type whose first dimension is the symbolic batch size `N`. */
function writeValueInfo(w: ProtoWriter, name: string, shape: readonly number[] | undefined): void {
  w.string(1, name);
  w.message(2, (tw) =>
    tw.message(1, (tt) => {
      tt.int(1, FLOAT);
      if (shape) {
        tt.message(2, (sw) => {
          sw.message(1, (dw) => dw.string(2, 'N'));
          for (const d of shape) sw.message(1, (dw) => dw.int(1, d));
        });
      }
    }),
  );
}
