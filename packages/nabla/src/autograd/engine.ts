import { formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { ones } from '../tensor/create.js';
import { addGrads, addInto, castGrad, cloneGrad, copyInto, sumToShape } from './accumulate.js';
import { reuseStorageData } from '../tensor/storage.js';
import { isDebugRecycling } from '../tensor/dtype.js';
import {
  checkExclusive,
  checkNotRecycled,
  firstNonFinite,
  inBackward,
  isExclusiveGrad,
  isFreshlyZeroed,
  shareGrad,
  type GradFn,
} from './graph.js';
import { isAnomalyEnabled, noGrad } from './grad-mode.js';

/** Tensors reachable from `root` through grad functions, inputs before outputs (iterative DFS). */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.tensor.gradFn?.inputs ?? [];
    if (top.next < inputs.length) {
      const child = inputs[top.next++];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ tensor: child, next: 0 });
      }
    } else {
      order.push(top.tensor);
      stack.pop();
    }
  }
  return order;
}

function checkSavedVersions(t: Tensor): void {
  const fn = t.gradFn!;
  for (const s of fn.saved) {
    if (s.tensor.storage.version !== s.version) {
      throw new Error(
        `backward: a tensor of shape ${formatShape(s.tensor.shape)} saved by '${fn.name}' was modified by an in-place ` +
          `operation after it was used (version ${s.version} → ${s.tensor.storage.version}); use an out-of-place op instead`,
      );
    }
  }
}

function accumulate(grads: Map<Tensor, Tensor>, t: Tensor, g: Tensor): void {
  const previous = grads.get(t);
  grads.set(t, previous ? addGrads(previous, g) : g);
}

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep the graph (and the tensors its rules saved) for another backward pass through it. */
  retainGraph?: boolean;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * What a node becomes after a backward pass freed it: it remembers only its name. A class, so
 * freeing a node allocates one small object and no closure per step.
 */
class Released implements GradFn {
  readonly inputs = NONE;
  readonly saved = NONE;
  constructor(readonly name: string) {}
  backward(): never {
    throw new Error(
      `backward: trying to backward through '${this.name}' a second time, but the first backward() freed the graph ` +
        'and the tensors it saved; pass { retainGraph: true } to the first backward() if you need to go through it again',
    );
  }
}

/** Runs one node's rule and hands each input its gradient, summed back to the input's shape. */
function propagate(t: Tensor, fn: GradFn, g: Tensor, grads: Map<Tensor, Tensor>): void {
  checkSavedVersions(t);
  const inputGrads = inBackward(() => fn.backward(g));
  if (isDebugRecycling()) {
    checkExclusive(fn, t, g, inputGrads);
    checkNotRecycled(`backward of ${fn.name}`, [g, ...inputGrads.filter((x): x is Tensor => x !== null)]);
  }
  const reduced = fn.inputs.map((input, k): Tensor | null => {
    const ig = inputGrads[k];
    if (!input.requiresGrad || !ig) return null;
    const r = castGrad(sumToShape(ig, input.shape), input.dtype);
    if (!shapesEqual(r.shape, input.shape)) {
      throw new Error(
        `backward: '${fn.name}' returned a gradient of shape ${formatShape(r.shape)} for input ${k} of shape ${formatShape(input.shape)}`,
      );
    }
    if (isAnomalyEnabled()) {
      const bad = firstNonFinite(r);
      if (bad >= 0)
        throw new Error(
          `Anomaly detected: the backward of '${fn.name}' produced ${r.toTypedArray()[bad]} in the gradient of input ${k}`,
        );
    }
    return r;
  });
  // An exclusive gradient handed on unchanged (the incoming one passed through, as add's rule
  // does, or one buffer given to two inputs) is shared from here on: no leaf may take it without
  // a copy, and no later node may recycle it.
  reduced.forEach((r, k) => {
    if (
      r &&
      isExclusiveGrad(r) &&
      (r.storage === g.storage || reduced.some((o, j) => j !== k && o?.storage === r.storage))
    )
      shareGrad(r);
  });
  reduced.forEach((r, k) => {
    if (r) accumulate(grads, fn.inputs[k], r);
  });
}

/**
 * Reverse-mode differentiation from `root`: walks the graph in reverse topological order, calls
 * each node's rule, reduces broadcast gradients back to each input's shape, checks shapes, and
 * accumulates into `.grad` of leaves (adding to what is there, as PyTorch does). Unless
 * `retainGraph`, each node is freed once done, as in PyTorch: a kept `loss` then no longer holds
 * every activation of its step alive.
 */
export function runBackward(
  root: Tensor,
  gradient?: Tensor,
  options: BackwardOptions = {},
  capture?: Map<Tensor, Tensor | null>,
): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward: the tensor does not require grad and has no grad function (did you forget requiresGrad, or run under noGrad?)',
    );
  }
  if (gradient === undefined) {
    if (root.numel() !== 1) {
      throw new Error(
        `backward: grad can be implicitly created only for scalar outputs, but the output has shape ${formatShape(root.shape)}; pass a gradient of that shape`,
      );
    }
    gradient = ones(root.shape, { dtype: root.dtype });
  } else if (!shapesEqual(gradient.shape, root.shape)) {
    throw new Error(
      `backward: gradient has shape ${formatShape(gradient.shape)} but the output has shape ${formatShape(root.shape)}`,
    );
  }
  const grads = new Map<Tensor, Tensor>([[root, gradient.detach()]]);
  noGrad(() => {
    const order = topologicalOrder(root);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const fn = t.gradFn;
      const g = grads.get(t);
      if (g) {
        grads.delete(t);
        if (capture) {
          // grad(): hand the gradient back instead of accumulating into .grad.
          if (capture.has(t)) capture.set(t, g);
        } else if (!fn || t.retainsGrad) accumulateGrad(t, g, !fn);
        if (fn) {
          propagate(t, fn, g, grads);
          if (!capture && !t.retainsGrad) recycleIfDead(g, grads);
        }
      }
      if (fn && !options.retainGraph) t.attachGradFn(new Released(fn.name));
    }
  });
}

/**
 * Once a node's rule has run, its incoming gradient is dead if a rule allocated it for this node
 * alone (`exclusiveGrad`) and the rule did not pass it (or a view of it) on to an input: its
 * buffer then serves a later allocation of the same size (see `recycle`).
 */
function recycleIfDead(g: Tensor, grads: Map<Tensor, Tensor>): void {
  if (!isExclusiveGrad(g) || !(g.storage.data instanceof Float32Array)) return;
  for (const pending of grads.values()) if (pending.storage === g.storage) return;
  reuseStorageData(g.storage.data);
}

/**
 * Adds `g` into `t.grad` as PyTorch's AccumulateGrad does: in place when a gradient is there (so
 * a reference to it sees the sum; one that zeroGrad just zeroed is overwritten by a copy), else
 * `g` becomes the gradient in its own storage, since rules may hand one tensor to several inputs.
 */
function accumulateGrad(t: Tensor, g: Tensor, leaf: boolean): void {
  const have = t.grad;
  if (!have) {
    t.grad = leaf && isExclusiveGrad(g) ? g : cloneGrad(g);
    return;
  }
  if (!shapesEqual(have.shape, g.shape) || have.dtype !== g.dtype) {
    t.grad = addGrads(have, g);
    return;
  }
  if (isFreshlyZeroed(have)) copyInto(have, g);
  else addInto(have, g);
  // A leaf's exclusive gradient is dead once added in: nothing else ever saw it, and a leaf
  // passes nothing on. Its buffer serves the same rule's next allocation (next training step).
  if (leaf && isExclusiveGrad(g) && g.storage.data instanceof Float32Array && g.storage !== have.storage)
    reuseStorageData(g.storage.data);
}

/** Options of `grad()`. */
export interface GradOptions extends BackwardOptions {
  /** The vector of the vector-Jacobian product; needed when `output` is not a scalar. */
  gradOutput?: Tensor;
  /** Return null for an input the output does not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * The gradients of `output` with respect to `inputs`, returned instead of accumulated into
 * `.grad` (PyTorch's `torch.autograd.grad`). Inputs may be leaves or intermediate tensors.
 * @example
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const [dx] = grad(x.pow(2).sum(), [x]); // [2, 4, 6]; x.grad stays null
 */
export function grad(output: Tensor, inputs: readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  inputs.forEach((t, k) => {
    if (!t.requiresGrad) throw new Error(`grad: input ${k} (shape ${formatShape(t.shape)}) does not require grad`);
  });
  const capture = new Map<Tensor, Tensor | null>(inputs.map((t) => [t, null]));
  runBackward(output, options.gradOutput, options, capture);
  return inputs.map((t, k) => {
    const g = capture.get(t) ?? null;
    if (!g && !options.allowUnused) {
      throw new Error(
        `grad: input ${k} (shape ${formatShape(t.shape)}) was not used to compute the output; pass { allowUnused: true } to get null for it`,
      );
    }
    return g;
  });
}

/**
 * Backpropagates from this tensor: fills `.grad` of every leaf that requires grad. A
 * non-scalar output needs `gradient` (the vector in the vector-Jacobian product). The graph is
 * freed afterwards unless `{ retainGraph: true }`, as in PyTorch.
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * const loss = x.mul(x).sum();
 * loss.backward(undefined, { retainGraph: true }); // keeps the graph for a second pass
 * loss.backward();
 * x.grad!.toArray(); // [4, 8]
 */
function backward(this: Tensor, gradient?: Tensor, options?: BackwardOptions): void {
  runBackward(this, gradient, options);
}
// Installed here rather than declared in the class, so the tensor layer does not import autograd.
Object.defineProperty(Tensor.prototype, 'backward', {
  value: backward,
  writable: true,
  configurable: true,
  enumerable: false,
});
declare module '../tensor/tensor.js' {
  interface Tensor {
    /**
     * Backpropagates from this tensor: fills `.grad` of every leaf that requires grad. A
     * non-scalar output needs `gradient` (the vector in the vector-Jacobian product). The graph
     * is freed afterwards unless `{ retainGraph: true }`, as in PyTorch.
     * @example
     * const x = tensor([1, 2], { requiresGrad: true });
     * const loss = x.mul(x).sum();
     * loss.backward(undefined, { retainGraph: true }); // keeps the graph for a second pass
     * loss.backward();
     * x.grad!.toArray(); // [4, 8]
     */
    backward(gradient?: Tensor, options?: BackwardOptions): void;
  }
}
