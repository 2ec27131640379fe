/**
 * Traces a module's `forward` into a list of ops: every op that `record`s (or, without a
 * gradient, calls `traced`) reports its name, inputs, attributes and output through
 * autograd/graph.ts's tracer hook, tagged with the path of the module that ran it. The ops
 * implement themselves once; onnx-ops.ts only says how each one is spelled in ONNX.
 */
import { OptionError } from '../tensor/errors.js';
import { setTracer, type TracedOp } from '../autograd/graph.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';

/** One traced op and the module it ran in ('' for the root). */
export interface TraceEntry extends TracedOp {
  readonly path: string;
  readonly module: Module;
}

/** A module-level stand-in found while tracing (see `registerOnnxEmitter`). */
export interface ModuleCall {
  readonly module: Module;
  readonly path: string;
}

/** What one run of `forward` did. */
export interface Trace {
  readonly ops: TraceEntry[];
  /** The tensors `forward` returned, in order (tuples, arrays and objects are flattened). */
  readonly outputs: Tensor[];
}

/** The tensors inside whatever `forward` returned: a tensor, an array/tuple, or an object's values. */
export function flattenOutputs(value: unknown, where = 'output'): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap((v, i) => flattenOutputs(v, `${where}[${i}]`));
  if (value === null || value === undefined) return [];
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => flattenOutputs(v, `${where}.${k}`));
  throw new OptionError(
    `exportOnnx: forward returned ${typeof value} at ${where}; only tensors (alone, in arrays or in objects) can be graph outputs`,
  );
}

/**
 * Runs `model.forward(...inputs)` in eval mode without gradients and returns the ops it ran.
 * `intercept(m, path)` may claim a module: its forward then runs with the tracer off and the call
 * becomes one op named 'module' (attrs.call: ModuleCall), inputs its tensor arguments.
 */
export function traceForward(
  model: Module,
  inputs: readonly Tensor[],
  intercept: (m: Module, path: string) => boolean = () => false,
): Trace {
  const ops: TraceEntry[] = [];
  const stack: [string, Module][] = [['', model]];
  const training = new Map<Module, boolean>();
  const patched: [Module, PropertyDescriptor | undefined][] = [];
  for (const [path, m] of model.namedModules()) {
    training.set(m, m.training);
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const original = m.forward;
    patched.push([m, own]);
    Object.defineProperty(m, 'forward', {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        if (path !== '' && intercept(m, path)) {
          const previous = setTracer(null);
          let out: unknown;
          try {
            out = original.apply(m, args as never);
          } finally {
            setTracer(previous);
          }
          const [output, ...rest] = flattenOutputs(out);
          if (!output || rest.length)
            throw new OptionError(`exportOnnx: an ONNX emitter's module at '${path}' must return one tensor`);
          const tensors = args.filter((a): a is Tensor => a instanceof Tensor);
          ops.push({ name: 'module', inputs: tensors, attrs: { call: { module: m, path } }, output, path, module: m });
          return out;
        }
        stack.push([path, m]);
        try {
          return original.apply(m, args as never);
        } finally {
          stack.pop();
        }
      },
    });
  }
  model.eval();
  const previous = setTracer((op) => {
    const [path, module] = stack[stack.length - 1];
    ops.push({ ...op, path, module });
  });
  try {
    const out = noGrad(() => model.forward(...inputs));
    return { ops, outputs: flattenOutputs(out) };
  } finally {
    setTracer(previous);
    for (const [m, own] of patched) {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as { forward?: unknown }).forward;
    }
    for (const [m, mode] of training) m.training = mode;
  }
}
