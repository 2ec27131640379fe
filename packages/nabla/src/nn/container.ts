import { IndexError, OptionError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * What Sequential and ModuleList share: children kept in order under the names '0', '1', …, with
 * `length`, `at()` and iteration. Exported only for the declarations of the two classes.
 */
export abstract class OrderedModules<M extends Module = Module> extends Module {
  protected readonly ordered: M[] = [];

  /** `owner` and `noun` word the out-of-range error (`Sequential.at: … for 3 layers`). */
  protected constructor(
    private readonly owner: string,
    private readonly noun: string,
  ) {
    super();
  }

  protected add(m: M): void {
    this.ordered.push(this.registerModule(String(this.ordered.length), m));
  }

  get length(): number {
    return this.ordered.length;
  }

  at(index: number): M {
    const m = this.ordered.at(index);
    if (!m)
      throw new IndexError(`${this.owner}.at: index ${index} is out of range for ${this.ordered.length} ${this.noun}`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.ordered[Symbol.iterator]();
  }
}

/**
 * Runs modules in order, each one's output feeding the next. Children are named '0', '1', …
 * @example
 * const model = new Sequential(new Linear(2, 4), new Sigmoid(), new Linear(4, 1));
 */
export class Sequential extends OrderedModules {
  constructor(...layers: Module[]) {
    super('Sequential', 'layers');
    for (const m of layers) this.add(m);
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.ordered) out = layer.forward(out);
    return out;
  }
}

/**
 * Holds sub-modules in a list so their parameters are registered ('0', '1', …); has no forward of
 * its own. The type parameter types `at()` and iteration.
 * @example
 * const blocks = new ModuleList([new Linear(4, 4), new Linear(4, 4)]);
 * let x = randn([2, 4]);
 * for (const b of blocks) x = b.forward(x).relu();
 */
export class ModuleList<M extends Module = Module> extends OrderedModules<M> {
  constructor(modules: readonly M[] = []) {
    super('ModuleList', 'modules');
    for (const m of modules) this.append(m);
  }

  append(m: M): this {
    this.add(m);
    return this;
  }

  forward(): Tensor {
    throw new OptionError('ModuleList has no forward(); iterate over its modules instead');
  }
}

/**
 * Holds sub-modules by name, in insertion order, so their parameters are registered under
 * `name.param` (like `torch.nn.ModuleDict`); has no forward of its own.
 * @example
 * const heads = new ModuleDict({ cls: new Linear(8, 3), box: new Linear(8, 4) });
 * heads.get('box').forward(randn([2, 8])).shape; // [2, 4]
 */
export class ModuleDict extends Module {
  // #private: not a field Module looks at, so any key (even 'items') is free for a module.
  readonly #items = new Map<string, Module>();

  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }

  /** Adds a module under a new `key` (a key already present is an error, as registration is permanent). */
  set(key: string, m: Module): this {
    if (key.includes('.') || key === '')
      throw new OptionError(`ModuleDict: key ${JSON.stringify(key)} must be non-empty and contain no '.'`);
    this.#items.set(key, this.registerModule(key, m));
    return this;
  }

  get(key: string): Module {
    const m = this.#items.get(key);
    if (!m)
      throw new OptionError(
        `ModuleDict: no module named ${JSON.stringify(key)} (keys: ${[...this.#items.keys()].join(', ')})`,
      );
    return m;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  values(): Module[] {
    return [...this.#items.values()];
  }

  entries(): [string, Module][] {
    return [...this.#items.entries()];
  }

  get length(): number {
    return this.#items.size;
  }

  forward(): Tensor {
    throw new OptionError('ModuleDict has no forward(); call the modules it holds');
  }
}
