/**
 * The layer-type registry behind model specs. It has no imports, so every module that registers
 * a layer (layers.ts, zoo.ts, user code) can load before or after model-spec.ts.
 */
import type { Module } from '../nn/module.js';

/** JSON values allowed in a layer spec. */
export type SpecValue = string | number | boolean | null | SpecValue[] | { [key: string]: SpecValue };

/**
 * The architecture of a model as plain JSON: `type` names a registered layer, the other fields
 * are its constructor options; `layers` holds the children of a `Sequential`.
 * @example
 * const spec: ModelSpec = { type: 'Sequential', layers: [
 *   { type: 'Linear', inFeatures: 4, outFeatures: 16 }, { type: 'ReLU' },
 *   { type: 'Linear', inFeatures: 16, outFeatures: 3 }] };
 */
export interface ModelSpec {
  type: string;
  layers?: ModelSpec[];
  [option: string]: SpecValue | ModelSpec[] | undefined;
}

/** How one layer type is built from its spec and described back to a spec. */
export interface LayerEntry {
  build(spec: ModelSpec): Module;
  /** The spec of `m`, or null when `m` is not of this entry's type. */
  describe(m: Module): ModelSpec | null;
}

/** Registered layer types, by name (insertion order: describeModel tries them in this order). */
export const registry = new Map<string, LayerEntry>();

/**
 * Adds (or replaces) a layer type, so `buildModel` can make it and `describeModel` can name it.
 * @example
 * registerLayer('Scale2', { build: () => new Scale2(), describe: (m) => (m instanceof Scale2 ? { type: 'Scale2' } : null) });
 */
export function registerLayer(type: string, entry: LayerEntry): void {
  registry.set(type, entry);
}

/** The registered layer types. @example layerTypes().includes('Conv2d'); // true */
export function layerTypes(): string[] {
  return [...registry.keys()].sort();
}
