import * as nn from '../nn/index.js';
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

const registry = new Map<string, LayerEntry>();

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

/**
 * Builds a freshly initialised module from its spec.
 * @example
 * const model = buildModel({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 4, outFeatures: 3 }] });
 */
export function buildModel(spec: ModelSpec): Module {
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string') {
    throw new Error(`buildModel: expected an object with a string 'type', got ${JSON.stringify(spec)}`);
  }
  const entry = registry.get(spec.type);
  if (!entry) throw new Error(`buildModel: unknown layer type '${spec.type}' (known: ${layerTypes().join(', ')})`);
  return entry.build(spec);
}

/**
 * The spec that rebuilds `model` (its architecture, not its weights). Throws naming the first
 * module that no registered type describes.
 * @example
 * describeModel(new Sequential(new Linear(4, 3), new ReLU()));
 * // { type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 4, outFeatures: 3 }, { type: 'ReLU' }] }
 */
export function describeModel(model: Module): ModelSpec {
  for (const entry of registry.values()) {
    const spec = entry.describe(model);
    if (spec) return spec;
  }
  throw new Error(
    `describeModel: no registered layer type describes ${model.constructor.name}; register it with registerLayer()`,
  );
}

/**
 * Parses `mlp:784-256-128-10` into a Sequential spec: Linear layers of those widths with ReLU
 * between them (a Flatten first, so image batches work too).
 * @example
 * parseMlpSpec('mlp:4-16-3'); // Flatten, Linear(4,16), ReLU, Linear(16,3)
 */
export function parseMlpSpec(text: string): ModelSpec {
  const m = /^mlp:(\d+(?:-\d+)+)$/.exec(text.trim());
  if (!m) throw new Error(`parseMlpSpec: '${text}' is not an MLP spec; expected e.g. mlp:784-256-128-10`);
  const widths = m[1].split('-').map(Number);
  if (widths.some((w) => w <= 0)) throw new Error(`parseMlpSpec: widths must be positive in '${text}'`);
  const layers: ModelSpec[] = [{ type: 'Flatten' }];
  for (let i = 0; i + 1 < widths.length; i++) {
    if (i > 0) layers.push({ type: 'ReLU' });
    layers.push({ type: 'Linear', inFeatures: widths[i], outFeatures: widths[i + 1] });
  }
  return { type: 'Sequential', layers };
}

function num(spec: ModelSpec, key: string, fallback?: number): number {
  const v = spec[key] ?? fallback;
  if (typeof v !== 'number')
    throw new Error(`${spec.type}: option '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

registerLayer('Sequential', {
  build: (spec) => {
    if (!Array.isArray(spec.layers)) throw new Error(`Sequential: 'layers' must be an array of layer specs`);
    return new nn.Sequential(...spec.layers.map((l) => buildModel(l)));
  },
  describe: (m) =>
    m instanceof nn.Sequential && m.constructor === nn.Sequential
      ? { type: 'Sequential', layers: [...m].map((c) => describeModel(c)) }
      : null,
});

registerLayer('Linear', {
  build: (spec) => new nn.Linear(num(spec, 'inFeatures'), num(spec, 'outFeatures'), { bias: spec.bias !== false }),
  describe: (m) =>
    m instanceof nn.Linear && m.constructor === nn.Linear
      ? { type: 'Linear', inFeatures: m.inFeatures, outFeatures: m.outFeatures, ...(m.bias ? {} : { bias: false }) }
      : null,
});
