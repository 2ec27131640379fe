/**
 * User-defined differentiable functions, like `torch.autograd.Function`: a forward computed with
 * recording off and a hand-written backward, recorded as one node of the graph. Under
 * `createGraph` the backward runs with recording on, so a backward written in tensor ops is
 * itself differentiable.
 *
 * Several differentiable outputs share one node: each output gets a small node of its own that
 * hands its gradient to the function's node (through a size-0 token tensor) and the function's
 * node calls `backward` once with every output's gradient (zeros for those that got none).
 */
import { zeros } from '../tensor/create.js';
import { isFloating } from '../tensor/dtype.js';
import { NablaError, ShapeError } from '../tensor/errors.js';
import { broadcastShapes, formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, noGrad } from './grad-mode.js';
import { record } from './graph.js';

/**
 * What `forward` and `backward` of a custom function share (PyTorch's `ctx`): saved tensors,
 * which inputs need a gradient, which outputs are not differentiable, and any other values the
 * forward stores on it (`ctx.scale = 2`).
 */
export class FunctionCtx {
  [key: string]: unknown;
  /** Per argument of `forward`: whether it is a tensor whose gradient is wanted. */
  readonly needsInputGrad: readonly boolean[];
  #saved: readonly Tensor[] = [];
  #nonDifferentiable = new Set<Tensor>();
  #outputs = new Map<Tensor, Tensor>();

  /** @internal */
  constructor(needsInputGrad: readonly boolean[]) {
    this.needsInputGrad = needsInputGrad;
  }

  /**
   * Keeps tensors (inputs or outputs of `forward`) for `backward`. Saved tensors are checked for
   * in-place changes before `backward` runs, as the built-in ops' saved tensors are.
   */
  saveForBackward(...tensors: Tensor[]): void {
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) throw new TypeError(`saveForBackward: argument ${k} is not a Tensor`);
    });
    this.#saved = tensors;
  }

  /** The tensors given to `saveForBackward`; a saved output is the one `apply` returned (with its graph). */
  get savedTensors(): readonly Tensor[] {
    return this.#saved.map((t) => this.#outputs.get(t) ?? t);
  }

  /** Marks outputs of `forward` as not differentiable: they never require grad, and their gradient in `backward` is zeros. */
  markNonDifferentiable(...outputs: Tensor[]): void {
    for (const t of outputs) this.#nonDifferentiable.add(t);
  }

  /** @internal */
  isNonDifferentiable(t: Tensor): boolean {
    return this.#nonDifferentiable.has(t) || !isFloating(t.dtype);
  }

  /** @internal Tensors the node must watch for in-place changes. */
  savedForCheck(): readonly Tensor[] {
    return this.#saved;
  }

  /** @internal The tensor `apply` returns for an output `forward` returned. */
  setOutput(raw: Tensor, returned: Tensor): void {
    this.#outputs.set(raw, returned);
  }
}

/** What `forward` may return: one tensor, or several (an array, as PyTorch's tuple). */
export type FunctionOutput = Tensor | readonly Tensor[];
/** What `backward` returns: one gradient per argument of `forward`, null (or undefined) for none. */
export type FunctionGradients = Tensor | null | undefined | readonly (Tensor | null | undefined)[];

/** A custom function: its forward and backward, static methods of a class or an object's methods. */
export interface FunctionDefinition<Args extends unknown[], Out extends FunctionOutput> {
  /** Names the function in errors and in the graph (a class's own name by default). */
  readonly name?: string;
  /** Computes the outputs, with recording off; may save tensors and values on `ctx`. */
  forward(ctx: FunctionCtx, ...args: Args): Out;
  /** One gradient per argument of `forward`, given one gradient per output. */
  backward(ctx: FunctionCtx, ...gradOutputs: Tensor[]): FunctionGradients;
}

// biome-ignore lint/suspicious/noExplicitAny: matches any definition's argument list
type AnyDefinition = FunctionDefinition<any, FunctionOutput>;
type ArgsOf<D> = D extends { forward(ctx: FunctionCtx, ...args: infer A): unknown } ? A : never;
type OutOf<D> = D extends { forward(ctx: FunctionCtx, ...args: never[]): infer O } ? O : never;

function applyFunction<Args extends unknown[], Out extends FunctionOutput>(
  def: FunctionDefinition<Args, Out>,
  args: Args,
): Out {
  const name = def.name || 'CustomFunction';
  const recording = isGradEnabled();
  const ctx = new FunctionCtx(args.map((a) => recording && a instanceof Tensor && a.requiresGrad));
  const result = noGrad(() => def.forward(ctx, ...args));
  const many = Array.isArray(result);
  const raw: readonly unknown[] = many ? result : [result];
  raw.forEach((t, k) => {
    if (!(t instanceof Tensor)) {
      throw new TypeError(`${name}.forward returned ${many ? `a non-Tensor at output ${k}` : 'a non-Tensor'}`);
    }
  });
  if (!ctx.needsInputGrad.some(Boolean)) return result;
  const inputs = args.filter((a): a is Tensor => a instanceof Tensor);
  // An output that is an input (or already has a graph) is returned as a new tensor object, so
  // attaching this function's node never rewires the caller's tensor.
  const outputs = (raw as Tensor[]).map((t) => (inputs.includes(t) || t.requiresGrad ? t.detach() : t));
  (raw as Tensor[]).forEach((t, k) => ctx.setOutput(t, outputs[k]));
  const finish = (): Out => (many ? (outputs as unknown as Out) : (outputs[0] as unknown as Out));
  const differentiable = outputs.map((t, k) => !ctx.isNonDifferentiable((raw as Tensor[])[k]) && isFloating(t.dtype));
  if (!differentiable.some(Boolean)) return finish();
  const rule = (gradOutputs: (Tensor | null)[]): (Tensor | null)[] => {
    const gs = gradOutputs.map((g, k) => g ?? zeros(outputs[k].shape, { dtype: outputs[k].dtype }));
    return checkGradients(name, def.backward(ctx, ...gs), args);
  };
  const saved = ctx.savedForCheck().filter((t) => !(raw as Tensor[]).includes(t));
  if (outputs.length === 1 && differentiable[0]) {
    record(outputs[0], name, inputs, (g) => rule([g]), saved);
    return finish();
  }
  // Several outputs: each output's node stores its gradient and passes a size-0 gradient to the
  // shared token, whose node then runs backward once with all of them.
  const pending: (Tensor | null)[] = outputs.map(() => null);
  const token = record(
    zeros([0], { dtype: 'float32' }),
    name,
    inputs,
    () => {
      const gradOutputs = pending.slice();
      pending.fill(null);
      return rule(gradOutputs);
    },
    saved,
  );
  outputs.forEach((t, k) => {
    if (!differentiable[k]) return;
    record(t, `${name}[${k}]`, [token], (g) => {
      pending[k] = pending[k] ? pending[k]!.add(g) : g;
      return [zeros([0], { dtype: 'float32' })];
    });
  });
  return finish();
}

/** Checks `backward`'s result against `forward`'s arguments, naming the function; one gradient per tensor input. */
function checkGradients(name: string, result: FunctionGradients, args: readonly unknown[]): (Tensor | null)[] {
  const list = Array.isArray(result) ? (result as readonly (Tensor | null | undefined)[]) : [result as Tensor | null];
  // Extra trailing nulls are allowed (PyTorch allows them too); anything else must match.
  const extra = list.slice(args.length);
  if (list.length < args.length || extra.some((g) => g !== null && g !== undefined)) {
    throw new NablaError(
      `${name}.backward returned ${list.length} gradient${list.length === 1 ? '' : 's'}, but forward took ${args.length} argument${args.length === 1 ? '' : 's'}: return one per argument (null for those without one)`,
    );
  }
  const grads: (Tensor | null)[] = [];
  args.forEach((a, k) => {
    const g = list[k] ?? null;
    if (!(a instanceof Tensor)) {
      if (g !== null)
        throw new NablaError(
          `${name}.backward returned a gradient for argument ${k}, which is not a Tensor: return null there`,
        );
      return;
    }
    if (g !== null && !(g instanceof Tensor))
      throw new TypeError(`${name}.backward returned a non-Tensor gradient for argument ${k}`);
    if (g && !shapesEqual(g.shape, a.shape)) {
      let ok = false;
      try {
        ok = shapesEqual(broadcastShapes(g.shape, a.shape, name), g.shape) && g.ndim >= a.ndim;
      } catch {
        ok = false;
      }
      // A gradient that broadcasts from the input's shape is summed back by the engine, as PyTorch does.
      if (!ok)
        throw new ShapeError(
          `${name}.backward returned a gradient of shape ${formatShape(g.shape)} for argument ${k} of shape ${formatShape(a.shape)}`,
        );
    }
    grads.push(g);
  });
  return grads;
}

/**
 * Base class of custom differentiable functions, like `torch.autograd.Function`: declare
 * `static forward(ctx, ...args)` and `static backward(ctx, ...gradOutputs)`, then call
 * `MyFn.apply(...args)`. `forward` runs with recording off; `backward` returns one gradient per
 * argument of `forward` (null for non-tensors and inputs without one). Under
 * `{ createGraph: true }` a backward written in tensor ops is recorded, so it can be
 * differentiated again.
 * @example
 * class Cube extends AutogradFunction {
 *   static forward(ctx: FunctionCtx, x: Tensor): Tensor {
 *     ctx.saveForBackward(x);
 *     return x.pow(3);
 *   }
 *   static backward(ctx: FunctionCtx, dy: Tensor): Tensor {
 *     const [x] = ctx.savedTensors;
 *     return dy.mul(x.square().mul(3));
 *   }
 * }
 * const x = tensor([1, 2], { requiresGrad: true });
 * Cube.apply(x).sum().backward();
 * x.grad!.toArray(); // [3, 12]
 */
// biome-ignore lint/complexity/noStaticOnlyClass: PyTorch's shape: subclasses declare static forward/backward and inherit apply
export abstract class AutogradFunction {
  static apply<D extends AnyDefinition>(this: D, ...args: ArgsOf<D>): OutOf<D> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass whose forward/backward run
    return applyFunction(this, args) as OutOf<D>;
  }
}

/**
 * A custom differentiable function from an object with `forward` and `backward` (the same
 * contract as `AutogradFunction`'s static methods), returned as a plain function.
 * @example
 * const scale = customFunction({
 *   name: 'Scale',
 *   forward(ctx, x: Tensor, factor: number) {
 *     ctx.factor = factor;
 *     return x.mul(factor);
 *   },
 *   backward(ctx, dy) {
 *     return [dy.mul(ctx.factor as number), null];
 *   },
 * });
 * const x = tensor([1, 2], { requiresGrad: true });
 * scale(x, 3).sum().backward();
 * x.grad!.toArray(); // [3, 3]
 */
export function customFunction<Args extends unknown[], Out extends FunctionOutput>(
  definition: FunctionDefinition<Args, Out>,
): (...args: Args) => Out {
  return (...args: Args) => applyFunction(definition, args);
}
