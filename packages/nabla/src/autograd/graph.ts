import { ShapeError, StateError } from '../tensor/errors.js';
import { EXCLUSIVE_GRAD, type Tensor } from '../tensor/tensor.js';
import { isDebugRecycling, isRecycled, type TypedArray } from '../tensor/dtype.js';
import { isAnomalyEnabled, isGradEnabled } from './grad-mode.js';

/** A backward rule: the output's gradient in, one gradient (or null) per input out. */
export type BackwardRule = (gradOutput: Tensor) => readonly (Tensor | null)[];

/** The node that produced a tensor: what `backward()` walks in reverse. */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardRule;
  /** Tensors the rule reads, with their storage versions when saved (to catch in-place edits). */
  readonly saved: readonly { readonly tensor: Tensor; readonly version: number }[];
}

let backwardDepth = 0;

/**
 * What a tracer sees of one op as it runs: its name, every input (the differentiable ones and
 * the rest, e.g. an index), the attributes that fix its result (dims, strides, …) and the output.
 */
export interface TracedOp {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly output: Tensor;
}

/**
 * An op's name for `record` with what a tracer needs besides: all its inputs when some are not
 * differentiable (an index, a condition), and the attributes that fix its result (dims, a window).
 */
export interface OpName {
  readonly name: string;
  readonly inputs?: readonly Tensor[];
  readonly attrs?: Readonly<Record<string, unknown>>;
}

let tracer: ((op: TracedOp) => void) | null = null;

/**
 * Installs `fn` to see every op that `record`s (whether or not it builds a graph node) and
 * returns the previous one; io/onnx-trace.ts uses it to export a module's forward.
 */
export function setTracer(fn: ((op: TracedOp) => void) | null): ((op: TracedOp) => void) | null {
  const previous = tracer;
  tracer = fn;
  return previous;
}

/** Runs a backward rule; inside it, anomaly mode checks the rule's result, not each op. */
export function inBackward<T>(fn: () => T): T {
  backwardDepth++;
  try {
    return fn();
  } finally {
    backwardDepth--;
  }
}

/** The first non-finite element of `t`, or -1. */
export function firstNonFinite(t: Tensor): number {
  const data = t.toTypedArray(); // exactly t's elements (a view's storage may hold others)
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/**
 * Attaches `rule` to `out` when recording is on and an input needs a gradient. Every
 * differentiable primitive calls this once; composites get their gradients through it.
 * `saved` lists tensors the rule reads, so a later in-place change to them is detected.
 * `op` is the op's name, or an `OpName` that also tells a tracer (ONNX export) its other inputs
 * and attributes.
 */
export function record(
  out: Tensor,
  op: string | OpName,
  inputs: readonly Tensor[],
  rule: BackwardRule,
  saved: readonly Tensor[] = [],
): Tensor {
  const name = typeof op === 'string' ? op : op.name;
  if (tracer && typeof op === 'string') tracer({ name, inputs, attrs: {}, output: out });
  else if (tracer && typeof op !== 'string')
    tracer({ name, inputs: op.inputs ?? inputs, attrs: op.attrs ?? {}, output: out });
  if (isDebugRecycling()) checkNotRecycled(name, inputs);
  if (isAnomalyEnabled() && backwardDepth === 0 && out.isFloatingPoint()) {
    const bad = firstNonFinite(out);
    if (bad >= 0) {
      throw new ShapeError(
        `Anomaly detected: '${name}' produced ${out.toTypedArray()[bad]} in its forward output (element ${bad} of shape [${out.shape.join(', ')}])`,
      );
    }
  }
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return out;
  out.attachGradFn({
    name,
    inputs,
    backward: rule,
    saved: saved.map((tensor) => ({ tensor, version: tensor.storage.version })),
  });
  return out;
}

/** Whether a tracer is installed (an op with a shortcut the tracer cannot see takes its traced path then). */
export function isTracing(): boolean {
  return tracer !== null;
}

/**
 * Shows a tracer an op that has no gradient (a comparison, an integer cast) and returns `out`:
 * an exported graph must compute it too, not keep the example input's result as a constant.
 */
export function traced(
  out: Tensor,
  name: string,
  inputs: readonly Tensor[],
  attrs: Record<string, unknown> = {},
): Tensor {
  if (tracer) tracer({ name, inputs, attrs, output: out });
  return out;
}

/** Throws when an op is handed a tensor whose memory backward recycled (debug recycling only). */
export function checkNotRecycled(name: string, tensors: readonly Tensor[]): void {
  for (const t of tensors) {
    if (isRecycled(t.storage.data)) {
      throw new ShapeError(
        `'${name}' read a tensor of shape [${t.shape.join(', ')}] whose memory backward already handed back for reuse ` +
          '(debug recycling): a backward rule kept a view of a gradient it marked exclusiveGrad, or returned one that something else still uses',
      );
    }
  }
}

// ---- contracts of gradient-buffer reuse --------------------------------------------------------
//
// Backward reuses float32 gradient memory; three unwritten rules keep that correct:
// 1. `exclusiveGrad(g)`: a rule marks a gradient it has just allocated (never its incoming
//    gradient or a view of it or of anything saved) and returns it for exactly one input, keeping
//    no reference (no closure, cache or view). A leaf then takes it as `.grad` without a copy.
// 2. `recycleIfDead` (engine.ts): once a node's rule has run, an exclusive incoming gradient
//    that no pending gradient shares storage with is dead: its buffer goes back to `allocate`
//    (dtype.ts `recycle`). A leaf's exclusive gradient added into an existing `.grad` is dead too.
// 3. `zeroedAt`: a `.grad` that zeroGrad zeroed and nothing wrote since (same storage version)
//    is overwritten by a copy instead of added to.
// Break 1 and a kept view reads the buffer's next owner: wrong numbers a step later. Debug
// recycling (`setDebugRecycling(true)` or `NABLA_DEBUG=recycle`) poisons every handed-back
// buffer with NaN and never reuses it, makes ops that read one throw (`checkNotRecycled`), and
// has backward check each exclusive gradient against the rule's other tensors
// (`checkExclusive`). The test suite runs the autograd and training tests once with it on.

/**
 * Marks a gradient that a backward rule has just allocated and returns for one input only, seen
 * by nothing else: a leaf may then take it as its `.grad` without the defensive copy (for a
 * linear layer's weight that copy was a quarter of a training step's allocations).
 */
export function exclusiveGrad(t: Tensor): Tensor {
  t[EXCLUSIVE_GRAD] = true;
  return t;
}

/** Whether `exclusiveGrad` marked `t`. */
export function isExclusiveGrad(t: Tensor): boolean {
  return t[EXCLUSIVE_GRAD];
}

/** Clears `exclusiveGrad`'s mark: the engine found the gradient handed to more than one place. */
export function shareGrad(t: Tensor): void {
  t[EXCLUSIVE_GRAD] = false;
}

/** Whether two arrays share any byte (small arrays share a slab's buffer without overlapping: dtype.ts). */
function overlaps(a: TypedArray, b: TypedArray): boolean {
  return (
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength
  );
}

/**
 * Debug recycling: each gradient `fn`'s rule marked exclusive must share memory with nothing the
 * rule could still reach: the incoming gradient, the other gradients it returned, its inputs,
 * its output or the tensors it saved.
 */
export function checkExclusive(fn: GradFn, out: Tensor, gradOutput: Tensor, grads: readonly (Tensor | null)[]): void {
  grads.forEach((g, k) => {
    // The incoming gradient passed on as it is: the engine drops its mark (see propagate).
    if (!g?.[EXCLUSIVE_GRAD] || g === gradOutput) return;
    const mine = g.storage.data;
    const others: [string, Tensor | null][] = [
      ['the incoming gradient', gradOutput],
      ['its output', out],
      ...grads.map((o, j): [string, Tensor | null] => [`the gradient for input ${j}`, j === k ? null : o]),
      ...fn.inputs.map((t, j): [string, Tensor] => [`input ${j}`, t]),
      ...fn.saved.map((s, j): [string, Tensor] => [`saved tensor ${j}`, s.tensor]),
    ];
    for (const [what, t] of others) {
      if (t && overlaps(t.storage.data, mine)) {
        throw new StateError(
          `backward: '${fn.name}' marked the gradient for input ${k} exclusive (exclusiveGrad) but it shares memory with ${what}; ` +
            'an exclusive gradient must be a fresh buffer that nothing else references (debug recycling)',
        );
      }
    }
  });
}

// Storages zeroed by zeroGrad, with the version they had right after: while the version is
// unchanged the gradient is still all zeros, and backward can copy into it instead of adding.
const zeroedAt = new WeakMap<object, number>();

/** Zeroes a gradient in place (`zeroGrad` with setToNone false) and remembers that it is all zeros. */
export function zeroGradInPlace(grad: Tensor): void {
  grad.zero_();
  zeroedAt.set(grad.storage, grad.storage.version);
}

/** Whether `grad` is still exactly as `zeroGradInPlace` left it. */
export function isFreshlyZeroed(grad: Tensor): boolean {
  return zeroedAt.get(grad.storage) === grad.storage.version;
}
