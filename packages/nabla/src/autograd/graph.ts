import type { Tensor } from '../tensor/tensor.js';
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
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], rule: BackwardRule, saved: readonly Tensor[] = []): Tensor {
  if (isAnomalyEnabled() && backwardDepth === 0 && out.isFloatingPoint()) {
    const bad = firstNonFinite(out);
    if (bad >= 0) {
      throw new Error(`Anomaly detected: '${name}' produced ${out.toTypedArray()[bad]} in its forward output (element ${bad} of shape [${out.shape.join(', ')}])`);
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

const exclusive = new WeakSet<Tensor>();

/**
 * Marks a gradient that a backward rule has just allocated and returns for one input only, seen
 * by nothing else: a leaf may then take it as its `.grad` without the defensive copy (for a
 * linear layer's weight that copy was a quarter of a training step's allocations).
 */
export function exclusiveGrad(t: Tensor): Tensor {
  exclusive.add(t);
  return t;
}

/** Whether `exclusiveGrad` marked `t`. */
export function isExclusiveGrad(t: Tensor): boolean {
  return exclusive.has(t);
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
