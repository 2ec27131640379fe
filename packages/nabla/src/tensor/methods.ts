/**
 * How op families give `Tensor` its methods without the class importing them. Each family module
 * (ops/*.ts) declares its ops as functions and, beside them, a method table whose entries take
 * the tensor as `this`; it installs the table on `Tensor.prototype` when it loads and types it
 * with module augmentation:
 *
 * ```ts
 * export const reduceMethods = { sum(this: Tensor, dim?: number, keepdim = false) { return sum(this, dim, keepdim); } };
 * installMethods(reduceMethods);
 * declare module '../tensor/tensor.js' { interface Tensor extends MethodsOf<typeof reduceMethods> {} }
 * ```
 *
 * The entries become the prototype's methods as they are (no wrapper), so `x.add(y)` costs what
 * a class method did. `ops/methods.ts` loads every family; each family imports it, so importing
 * any op module (or the library's entry) gives tensors all their methods.
 */
import { StateError } from './errors.js';
import { Tensor } from './tensor.js';

/** A method table: functions that take the tensor as `this`. */
export type MethodTable = Record<string, (this: Tensor, ...args: never[]) => unknown>;

/** The methods a table adds to `Tensor`: each entry without its `this` parameter. */
export type MethodsOf<T> = { [K in keyof T]: OmitThisParameter<T[K]> };

/** A getter table: `x.T`, `x.mT`. */
export type GetterTable = Record<string, (self: Tensor) => unknown>;

/** The read-only properties a getter table adds to `Tensor`. */
export type GettersOf<T> = { readonly [K in keyof T]: T[K] extends (self: Tensor) => infer R ? R : never };

/** Puts the table's functions on `Tensor.prototype` as non-enumerable methods, like class methods. */
export function installMethods(table: MethodTable): void {
  for (const [name, fn] of Object.entries(table)) {
    if (Object.hasOwn(Tensor.prototype, name)) {
      throw new StateError(`installMethods: Tensor already has a member '${name}' (two op families declare it)`);
    }
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

/** Puts the table's functions on `Tensor.prototype` as read-only properties. */
export function installGetters(table: GetterTable): void {
  for (const [name, fn] of Object.entries(table)) {
    if (Object.hasOwn(Tensor.prototype, name)) {
      throw new StateError(`installGetters: Tensor already has a member '${name}' (two op families declare it)`);
    }
    Object.defineProperty(Tensor.prototype, name, {
      get(this: Tensor) {
        return fn(this);
      },
      configurable: true,
      enumerable: false,
    });
  }
}
