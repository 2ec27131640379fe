import { OptionError, ShapeError, StateError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
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
import { enableGrad, isAnomalyEnabled, noGrad } from './grad-mode.js';

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
      throw new StateError(
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
  /**
   * Keep the graph (and the tensors its rules saved) for another backward pass through it.
   * Defaults to `createGraph`, as in PyTorch.
   */
  retainGraph?: boolean;
  /**
   * Record the backward pass itself, so the gradients it produces have a graph and can be
   * differentiated again (Hessian-vector products, gradient penalties, MAML), like PyTorch's
   * `create_graph=True`. Every rule then runs with grad mode on, and no gradient buffer is
   * recycled or written in place.
   */
  createGraph?: boolean;
}

// Gradients handed out by a backward pass without createGraph: they have no graph, and
// differentiating something computed from one is the usual way to hit "does not require grad".
const graphless = new WeakSet<Tensor>();

function noGraphError(op: string, root: Tensor): Error {
  if (graphless.has(root)) {
    return new StateError(
      `${op}: the gradient has no graph, so it cannot be differentiated again: pass { createGraph: true } ` +
        'to the first grad()/backward()',
    );
  }
  return new StateError(
    `${op}: the tensor does not require grad and has no grad function. If it was computed from a gradient ` +
      '(grad() or .grad), that gradient has no graph: pass { createGraph: true } to the first grad()/backward(). ' +
      'Otherwise: did you forget requiresGrad, or run under noGrad?',
  );
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
    throw new StateError(
      `backward: trying to backward through '${this.name}' a second time, but the first backward() freed the graph ` +
        'and the tensors it saved; pass { retainGraph: true } to the first backward() if you need to go through it again',
    );
  }
}

/** Runs one node's rule and hands each input its gradient, summed back to the input's shape. */
function propagate(t: Tensor, fn: GradFn, g: Tensor, grads: Map<Tensor, Tensor>, createGraph: boolean): void {
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
      throw new ShapeError(
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
    if (!r) return;
    // A recorded gradient is part of a graph: never taken without a copy, recycled or added into.
    if (createGraph) shareGrad(r);
    accumulate(grads, fn.inputs[k], r);
  });
}

/**
 * Reverse-mode differentiation from `root`: walks the graph in reverse topological order, calls
 * each node's rule, reduces broadcast gradients back to each input's shape, checks shapes, and
 * accumulates into `.grad` of leaves (adding to what is there, as PyTorch does). Unless
 * `retainGraph`, each node is freed once done, as in PyTorch: a kept `loss` then no longer holds
 * every activation of its step alive. With `createGraph` the rules run with grad mode on, so the
 * gradients are recorded like any forward computation. With `capture` (grad()), only the nodes
 * that lead to a captured tensor run, and the captured gradients are handed back instead.
 */
export function runBackward(
  root: Tensor,
  gradient?: Tensor,
  options: BackwardOptions = {},
  capture?: Map<Tensor, Tensor | null>,
): { reachedFreedNode: boolean } {
  if (!root.requiresGrad) throw noGraphError(capture ? 'grad' : 'backward', root);
  const createGraph = options.createGraph === true;
  const retainGraph = options.retainGraph ?? createGraph;
  if (gradient === undefined) {
    if (root.numel() !== 1) {
      throw new ShapeError(
        `backward: grad can be implicitly created only for scalar outputs, but the output has shape ${formatShape(root.shape)}; pass a gradient of that shape`,
      );
    }
    gradient = ones(root.shape, { dtype: root.dtype });
  } else if (!shapesEqual(gradient.shape, root.shape)) {
    throw new ShapeError(
      `backward: gradient has shape ${formatShape(gradient.shape)} but the output has shape ${formatShape(root.shape)}`,
    );
  }
  // Under createGraph the seed keeps its graph (a gradOutput that requires grad is differentiated too).
  const grads = new Map<Tensor, Tensor>([[root, createGraph ? gradient : gradient.detach()]]);
  let reachedFreedNode = false;
  const walk = (): void => {
    const order = topologicalOrder(root);
    if (capture) reachedFreedNode = order.some((t) => t.gradFn instanceof Released);
    const needed = capture ? leadingTo(order, capture) : null;
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      if (needed && !needed.has(t)) continue;
      // A captured tensor's own node runs only when another captured tensor lies beyond it.
      const fn = needed && t.gradFn && !t.gradFn.inputs.some((x) => needed.has(x)) ? null : t.gradFn;
      const g = grads.get(t);
      if (g) {
        grads.delete(t);
        if (capture) {
          // grad(): hand the gradient back instead of accumulating into .grad.
          if (capture.has(t)) capture.set(t, g);
        } else if (!t.gradFn || t.retainsGrad) {
          accumulateGrad(t, g, !t.gradFn, createGraph);
          if (!createGraph) graphless.add(t.grad!);
        }
        if (fn) {
          propagate(t, fn, g, grads, createGraph);
          if (!capture && !t.retainsGrad && !createGraph) recycleIfDead(g, grads);
        }
      }
      if (fn && !retainGraph) t.attachGradFn(new Released(fn.name));
    }
  };
  if (createGraph) enableGrad(() => inBackward(walk));
  else noGrad(walk);
  return { reachedFreedNode };
}

/**
 * The tensors of `order` (inputs before outputs) from which a captured tensor can be reached:
 * the only nodes grad() needs to run, as PyTorch runs only those.
 */
function leadingTo(order: readonly Tensor[], capture: ReadonlyMap<Tensor, unknown>): Set<Tensor> {
  const needed = new Set<Tensor>();
  for (const t of order) {
    if (capture.has(t) || t.gradFn?.inputs.some((x) => needed.has(x))) needed.add(t);
  }
  return needed;
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
function accumulateGrad(t: Tensor, g: Tensor, leaf: boolean, createGraph: boolean): void {
  const have = t.grad;
  if (createGraph) {
    // As PyTorch's AccumulateGrad under create_graph: a recorded copy, or a recorded sum that
    // replaces .grad (out of place: the old .grad may be part of a graph).
    t.grad = have ? addGrads(have, g) : cloneGrad(g);
    return;
  }
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
 * `.grad` (PyTorch's `torch.autograd.grad`). Inputs may be leaves or intermediate tensors. Only
 * the part of the graph between them and `output` is run. With `{ createGraph: true }` the
 * gradients have a graph of their own, so they can be differentiated again.
 * @example
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const [dx] = grad(x.pow(2).sum(), [x]); // [2, 4, 6]; x.grad stays null
 * const [g] = grad(x.pow(3).sum(), [x], { createGraph: true }); // 3x², with a graph
 * const [h] = grad(g!.sum(), [x]); // 6x
 * h!.toArray(); // [6, 12, 18]
 */
export function grad(output: Tensor, inputs: readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  checkOptions('grad', options, { retainGraph: true, createGraph: true, gradOutput: true, allowUnused: true });
  inputs.forEach((t, k) => {
    if (!t.requiresGrad) {
      throw new StateError(
        graphless.has(t)
          ? `grad: input ${k} (shape ${formatShape(t.shape)}) is a gradient without a graph: pass { createGraph: true } to the grad()/backward() that computed it`
          : `grad: input ${k} (shape ${formatShape(t.shape)}) does not require grad`,
      );
    }
  });
  const capture = new Map<Tensor, Tensor | null>(inputs.map((t) => [t, null]));
  const { reachedFreedNode } = runBackward(output, options.gradOutput, options, capture);
  return inputs.map((t, k) => {
    const g = capture.get(t) ?? null;
    if (!g && !options.allowUnused) {
      // A freed node no longer lists its inputs, so an input behind one looks unused.
      throw new StateError(
        reachedFreedNode
          ? `grad: input ${k} (shape ${formatShape(t.shape)}) was not reached: the output was not computed from it, or the graph between them was freed by an earlier backward() (pass { retainGraph: true } to that one)`
          : `grad: input ${k} (shape ${formatShape(t.shape)}) was not used to compute the output; pass { allowUnused: true } to get null for it`,
      );
    }
    if (g && !options.createGraph) graphless.add(g);
    return g;
  });
}

/**
 * @internal For a backward rule whose fast path is a fused kernel: under createGraph it
 * recomputes the op as `compute()` from recorded primitives and returns that composite's
 * vector-Jacobian product (recorded), one entry per input (null where none is needed).
 * `compute` must not call the op whose rule this is (the rule would recurse).
 */
export function compositeBackward(
  compute: () => Tensor,
  inputs: readonly (Tensor | null)[],
  gradOutput: Tensor,
): (Tensor | null)[] {
  const wanted = inputs.filter((t): t is Tensor => t?.requiresGrad === true);
  const out = compute();
  if (wanted.length === 0 || !out.requiresGrad) return inputs.map(() => null);
  const grads = grad(out, wanted, { gradOutput, createGraph: true, allowUnused: true });
  return inputs.map((t) => (t?.requiresGrad ? grads[wanted.indexOf(t)] : null));
}

/**
 * Backpropagates from this tensor: fills `.grad` of every leaf that requires grad. A
 * non-scalar output needs `gradient` (the vector in the vector-Jacobian product). The graph is
 * freed afterwards unless `{ retainGraph: true }`, as in PyTorch; `{ createGraph: true }` records
 * the pass, so `.grad` has a graph and can be differentiated again. The options may come first
 * when there is no gradient (`loss.backward({ createGraph: true })`).
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * const loss = x.mul(x).sum();
 * loss.backward({ retainGraph: true }); // keeps the graph for a second pass
 * loss.backward();
 * x.grad!.toArray(); // [4, 8]
 */
function backward(this: Tensor, gradient?: Tensor | BackwardOptions | null, options?: BackwardOptions): void {
  let g: Tensor | undefined;
  let opts: BackwardOptions = options ?? {};
  if (gradient instanceof Tensor) g = gradient;
  else if (gradient !== undefined && gradient !== null) {
    if (typeof gradient !== 'object' || options !== undefined)
      throw new OptionError(
        `backward: the first argument must be a gradient Tensor (or the options object when there is no gradient), got ${typeof gradient}`,
      );
    opts = gradient;
  }
  checkOptions('backward', opts, { retainGraph: true, createGraph: true });
  runBackward(this, g, opts);
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
     * is freed afterwards unless `{ retainGraph: true }`, as in PyTorch; `{ createGraph: true }`
     * records the pass, so `.grad` has a graph and can be differentiated again. The options may
     * come first when there is no gradient (`loss.backward({ createGraph: true })`).
     * @example
     * const x = tensor([1, 2], { requiresGrad: true });
     * const loss = x.mul(x).sum();
     * loss.backward({ retainGraph: true }); // keeps the graph for a second pass
     * loss.backward();
     * x.grad!.toArray(); // [4, 8]
     */
    backward(options?: BackwardOptions): void;
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
  }
}
