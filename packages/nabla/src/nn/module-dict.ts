/** ModuleDict (sub-modules by name) and Unflatten, as in torch.nn. */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Holds sub-modules by name, in insertion order, so their parameters are registered under
 * `name.param` (like `torch.nn.ModuleDict`); has no forward of its own.
 * @example
 * const heads = new ModuleDict({ cls: new Linear(8, 3), box: new Linear(8, 4) });
 * heads.get('box').forward(randn([2, 8])).shape; // [2, 4]
 */
export class ModuleDict extends Module {
  private readonly items = new Map<string, Module>();

  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }

  /** Adds a module under a new `key` (a key already present is an error, as registration is permanent). */
  set(key: string, m: Module): this {
    if (key.includes('.') || key === '') throw new Error(`ModuleDict: key ${JSON.stringify(key)} must be non-empty and contain no '.'`);
    this.items.set(key, this.registerModule(key, m));
    return this;
  }

  get(key: string): Module {
    const m = this.items.get(key);
    if (!m) throw new Error(`ModuleDict: no module named ${JSON.stringify(key)} (keys: ${[...this.items.keys()].join(', ')})`);
    return m;
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  values(): Module[] {
    return [...this.items.values()];
  }

  entries(): [string, Module][] {
    return [...this.items.entries()];
  }

  get length(): number {
    return this.items.size;
  }

  forward(): Tensor {
    throw new Error('ModuleDict has no forward(); call the modules it holds');
  }
}

/**
 * Splits dim `dim` into `sizes` (the inverse of Flatten), like `torch.nn.Unflatten`.
 * @example
 * new Unflatten(1, [2, 3]).forward(zeros([4, 6])).shape; // [4, 2, 3]
 */
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly sizes: readonly number[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (d < 0 || d >= x.ndim) throw new RangeError(`Unflatten: dim ${this.dim} is out of range for shape [${x.shape.join(', ')}]`);
    return x.reshape([...x.shape.slice(0, d), ...this.sizes, ...x.shape.slice(d + 1)]);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.sizes.join(', ')}]`;
  }
}
