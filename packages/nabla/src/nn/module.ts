import { noGrad } from '../autograd/grad-mode.js';
import { zeroGradInPlace } from '../autograd/graph.js';
import { checkDType, isFloating, type DType } from '../tensor/dtype.js';
import { DTypeError, OptionError, ShapeError, StateError } from '../tensor/errors.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';
// Every Tensor method (a module's forward calls them): loaded here, not only through parameter.ts.
import '../ops/methods.js';

/** Parameters and persistent buffers by dotted name (`"0.weight"`), like PyTorch's state_dict. */
export type StateDict = Record<string, Tensor>;

interface BufferEntry {
  tensor: Tensor | null;
  persistent: boolean;
}

/** One module's own members by name, in order: what `register*` calls and fields hold. */
interface OwnMembers {
  params: Map<string, Parameter | null>;
  bufs: Map<string, BufferEntry>;
  children: Map<string, Module | null>;
}

/**
 * Base class of every layer and model. As in PyTorch, a field that holds a `Parameter` or a
 * `Module` is one of this module's parameters or children, named after the field, in the order
 * the fields were assigned; a plain `Tensor` field is neither (register it with
 * `registerBuffer` to save it in `stateDict`). Assigning to the field of a registered member
 * (parameter, buffer or child) replaces it, and `null` removes it. `registerParameter`,
 * `registerBuffer` and `registerModule` register a member under a name of their own (these
 * come first, in call order, then the fields).
 *
 * `forward` takes and returns any values; the type parameters say which (`In`, the argument
 * list as a tuple, and `Out`), e.g. `Module<[Tensor, number[]], [Tensor, Tensor]>`. Without them
 * a subclass's own `forward` signature is what callers see.
 * @example
 * class TwoLayer extends Module<[Tensor], Tensor> {
 *   fc1 = new Linear(4, 8);
 *   fc2 = new Linear(8, 3);
 *   scale = new Parameter(ones([3]));
 *   forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()).mul(this.scale); }
 * }
 * Object.keys(new TwoLayer().stateDict()); // ['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 */
// biome-ignore lint/suspicious/noExplicitAny: the defaults let a subclass declare any forward signature (any[] is what makes its parameters compatible); Out = any keeps `Module`-typed callers (fit, Sequential) as they were
export abstract class Module<In extends unknown[] = any[], Out = any> {
  /** True in training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  // #private: never seen as fields by own(), so every name stays free for a member.
  readonly #params = new Map<string, Parameter | null>();
  readonly #bufs = new Map<string, BufferEntry>();
  readonly #children = new Map<string, Module | null>();

  abstract forward(...inputs: In): Out;

  registerParameter<P extends Parameter | null>(name: string, param: P): P {
    this.checkName(name, param);
    this.#params.set(name, param);
    return param;
  }

  /** A tensor saved in `stateDict()` (when persistent) but not trained, e.g. running statistics. */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, persistent = true): T {
    this.checkName(name, tensor);
    this.#bufs.set(name, { tensor, persistent });
    return tensor;
  }

  registerModule<M extends Module>(name: string, module: M): M {
    this.checkName(name, module);
    this.#children.set(name, module);
    return module;
  }

  /** Replaces a registered buffer (e.g. when a layer swaps in a new running average). */
  setBuffer(name: string, tensor: Tensor): void {
    const entry = this.#bufs.get(name);
    if (!entry) throw new OptionError(`setBuffer: ${this.constructor.name} has no buffer '${name}'`);
    entry.tensor = tensor;
    // A field of the same name is what own() reads, so it follows.
    if (Object.hasOwn(this, name)) (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  getBuffer(name: string): Tensor | null {
    // Layers read buffers on every forward: look at the one field, not at all of them (own()).
    if (Object.hasOwn(this, name) && this.#bufs.has(name)) {
      const field = (this as unknown as Record<string, unknown>)[name];
      if (field === null || field instanceof Tensor) return field;
      return this.own().bufs.get(name)?.tensor ?? null; // throws the wrong-kind error
    }
    return this.#bufs.get(name)?.tensor ?? null;
  }

  private checkName(name: string, value: unknown): void {
    if (name === '' || name.includes('.'))
      throw new OptionError(`invalid name '${name}': names must be non-empty and contain no '.'`);
    if (this.#params.has(name) || this.#bufs.has(name) || this.#children.has(name)) {
      throw new StateError(`${this.constructor.name} already has a member named '${name}'`);
    }
    // `this.x = this.registerX('x', v)` finds the field undefined (declared) or already v.
    const field = Object.hasOwn(this, name) ? (this as unknown as Record<string, unknown>)[name] : undefined;
    if (field !== undefined && field !== value) {
      throw new OptionError(
        `${this.constructor.name} already has a field named '${name}'; register under another name`,
      );
    }
  }

  /**
   * This module's own members: the registered ones (a field of the same name overrides the value),
   * then fields holding a Parameter or Module not registered here under another name. Read on
   * every call, so a field assigned later counts, as with PyTorch's `__setattr__`.
   */
  private own(): OwnMembers {
    // The registered maps are copied only when a field changes or adds a member (rare), since
    // enumerations (parameters(), stateDict(), zeroGrad()) call this for every module.
    let params = this.#params;
    let bufs = this.#bufs;
    let children = this.#children;
    let registered: Set<unknown> | null = null;
    const fields = this as unknown as Record<string, unknown>;
    const owner = this.constructor.name;
    for (const key of Object.keys(this)) {
      const value = fields[key];
      if (params.has(key)) {
        if (params.get(key) === value) continue;
        if (value !== null && !(value instanceof Parameter))
          throw new StateError(
            `${owner}.${key} is a parameter: assign a Parameter or null, not ${describe(value)} (wrap a tensor in new Parameter(...))`,
          );
        if (params === this.#params) params = new Map(params);
        params.set(key, value);
      } else if (bufs.has(key)) {
        if (bufs.get(key)!.tensor === value) continue;
        if (value !== null && !(value instanceof Tensor))
          throw new StateError(`${owner}.${key} is a buffer: assign a Tensor or null, not ${describe(value)}`);
        if (bufs === this.#bufs) bufs = new Map(bufs);
        bufs.set(key, { tensor: value, persistent: bufs.get(key)!.persistent });
      } else if (children.has(key)) {
        if (children.get(key) === value) continue;
        if (value !== null && !(value instanceof Module))
          throw new StateError(`${owner}.${key} is a child module: assign a Module or null, not ${describe(value)}`);
        if (children === this.#children) children = new Map(children);
        children.set(key, value);
      } else if ((value instanceof Parameter || value instanceof Module) && value !== this) {
        // Not an alias of a member registered under its own name (`this.selfAttn` for 'self_attn').
        registered ??= new Set<unknown>([...this.#params.values(), ...this.#children.values()]);
        if (registered.has(value)) continue;
        if (value instanceof Parameter) {
          if (params === this.#params) params = new Map(params);
          params.set(key, value);
        } else {
          if (children === this.#children) children = new Map(children);
          children.set(key, value);
        }
      }
    }
    return { params, bufs, children };
  }

  /** This module and its descendants, depth first, each with its dotted name and own members. */
  private *walk(prefix: string): IterableIterator<[string, Module, OwnMembers]> {
    const own = this.own();
    yield [prefix, this, own];
    for (const [name, child] of own.children) if (child) yield* child.walk(prefix ? `${prefix}.${name}` : name);
  }

  *namedChildren(): IterableIterator<[string, Module]> {
    for (const [name, child] of this.own().children) if (child) yield [name, child];
  }

  children(): Module[] {
    return [...this.namedChildren()].map(([, m]) => m);
  }

  /** This module and all descendants, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    for (const [name, m] of this.walk(prefix)) yield [name, m];
  }

  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  *namedParameters(prefix = '', recurse = true): IterableIterator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    const source = recurse
      ? this.walk(prefix)
      : ([[prefix, this, this.own()]] as Iterable<[string, Module, OwnMembers]>);
    for (const [modName, , own] of source) {
      for (const [name, p] of own.params) {
        if (p === null || seen.has(p)) continue;
        seen.add(p);
        yield [modName ? `${modName}.${name}` : name, p];
      }
    }
  }

  parameters(recurse = true): Parameter[] {
    return [...this.namedParameters('', recurse)].map(([, p]) => p);
  }

  *namedBuffers(prefix = ''): IterableIterator<[string, Tensor]> {
    for (const [modName, , own] of this.walk(prefix)) {
      for (const [name, b] of own.bufs) if (b.tensor) yield [modName ? `${modName}.${name}` : name, b.tensor];
    }
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Casts every floating point parameter and buffer, and the parameters' gradients, to `dtype`
   * in place, as PyTorch's `module.to(dtype)`: the tensor objects stay the same (each gets new
   * data), so references to them stay valid; create the optimizer afterwards, as in PyTorch.
   * Integer buffers (BatchNorm's batch count) keep their dtype.
   * @example
   * const model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 1)).to('float64');
   * model.forward(randn([2, 3], { dtype: 'float64' })).dtype; // 'float64'
   */
  to(dtype: DType): this {
    if (!isFloating(checkDType(dtype, 'Module.to')))
      throw new DTypeError(`Module.to: only floating point dtypes are supported, got ${dtype}`);
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        if (!isFloating(t.dtype) || t.dtype === dtype) continue;
        t.data = t.data.to(dtype);
        if (t.grad) t.grad = t.grad.to(dtype);
      }
    });
    return this;
  }

  /** `to('float64')`, PyTorch's `double()`. */
  double(): this {
    return this.to('float64');
  }

  /** `to('float32')`, PyTorch's `float()`. */
  float(): this {
    return this.to('float32');
  }

  /**
   * Clears gradients: to zeros in place (default, as PyTorch 1.13's `zero_grad()`), or to null
   * with `setToNone` (PyTorch ≥ 2.0's default).
   * @example
   * model.zeroGrad(true); // drop the gradients instead of zeroing them
   */
  zeroGrad(setToNone = false): void {
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else if (p.grad) noGrad(() => zeroGradInPlace(p.grad!));
    }
  }

  /** Sets `requiresGrad` on every parameter (false freezes them), like PyTorch's `requires_grad_`. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /** Calls `fn` on every module (children first), returns this. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Parameters and persistent buffers by dotted name; the tensors share memory with the module. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [modName, , own] of this.walk('')) {
      const key = (n: string) => (modName ? `${modName}.${n}` : n);
      const { params, bufs } = own;
      for (const [n, p] of params) if (p) out[key(n)] = p.detach();
      for (const [n, b] of bufs) if (b.tensor && b.persistent) out[key(n)] = b.tensor.detach();
    }
    return out;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers. With `strict`
   * (default), missing or unexpected keys are an error; shapes must always match.
   */
  loadStateDict(state: StateDict, strict = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in own));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      throw new StateError(
        `loadStateDict: ${missingKeys.length ? `missing keys: ${missingKeys.join(', ')}` : ''}` +
          `${missingKeys.length && unexpectedKeys.length ? '; ' : ''}` +
          `${unexpectedKeys.length ? `unexpected keys: ${unexpectedKeys.join(', ')}` : ''}`,
      );
    }
    noGrad(() => {
      for (const [k, target] of Object.entries(own)) {
        const src = state[k];
        if (!src) continue;
        if (!shapesEqual(src.shape, target.shape)) {
          throw new ShapeError(
            `loadStateDict: '${k}' has shape ${formatShape(src.shape)} in the state dict but ${formatShape(target.shape)} in the model`,
          );
        }
        target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Extra text shown in `toString()`, e.g. `in_features=4, out_features=2`. */
  extraRepr(): string {
    return '';
  }

  /**
   * PyTorch's module repr: `Name(extra)`, or with children one `(name): child` line each,
   * indented, the extra text on a line of its own (camelCase option names, JS booleans).
   * @example
   * String(new Sequential(new Linear(2, 1), new Sigmoid()));
   * // Sequential(
   * //   (0): Linear(inFeatures=2, outFeatures=1, bias=true)
   * //   (1): Sigmoid()
   * // )
   */
  toString(): string {
    const extra = this.extraRepr();
    const children = [...this.namedChildren()].map(([name, m]) => `(${name}): ${m.toString().replace(/\n/g, '\n  ')}`);
    const lines = [...(extra ? extra.split('\n') : []), ...children];
    if (lines.length === 0) return `${this.constructor.name}()`;
    if (children.length === 0 && lines.length === 1) return `${this.constructor.name}(${extra})`;
    return `${this.constructor.name}(\n  ${lines.join('\n  ')}\n)`;
  }

  /** What Node's `console.log` and `util.inspect` print: the same text as `toString()`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** The kind of a wrongly assigned value, for error messages. */
function describe(value: unknown): string {
  if (value instanceof Tensor) return 'a plain Tensor';
  if (value === undefined || value === null) return String(value);
  return typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : `a ${typeof value}`;
}
