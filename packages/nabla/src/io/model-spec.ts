import { OptionError, StateError } from '../tensor/errors.js';
import type { Module } from '../nn/module.js';
import { checkOptions } from '../tensor/options.js';
import { layerTypes, registerLayer, registry, type ModelSpec, type SpecValue } from './layer-registry.js';

export { registerLayer, layerTypes, type SpecValue, type ModelSpec, type LayerEntry } from './layer-registry.js';
// The built-in layer types register themselves here, on the only path to buildModel/describeModel,
// so `nabla/node` alone (loadModel) knows them whatever was imported first.
import './layers.js';

/**
 * Builds a freshly initialised module from its spec.
 * @example
 * const model = buildModel({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 4, outFeatures: 3 }] });
 */
export function buildModel(spec: ModelSpec): Module {
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string') {
    throw new OptionError(`buildModel: expected an object with a string 'type', got ${JSON.stringify(spec)}`);
  }
  const entry = registry.get(spec.type);
  if (!entry)
    throw new OptionError(`buildModel: unknown layer type '${spec.type}' (known: ${layerTypes().join(', ')})`);
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
  const name = model.constructor.name;
  throw new StateError(
    `describeModel: no registered layer type describes ${name}, so a model holding it cannot be saved. ` +
      `Register the class once, before saving and before loading: io.registerModuleClass(${name}) when ` +
      `\`new ${name}()\` rebuilds it, or io.registerModuleClass(${name}, { options: (m) => ({ ...JSON options }), ` +
      `build: (o) => new ${name}(...) }) (docs/guide/model-files.md#custom-modules)`,
  );
}

/** How `registerModuleClass` turns a module into JSON options and back. */
export interface ModuleClassOptions<M extends Module> {
  /** The spec's `type` (default: the class name). */
  type?: string;
  /** The JSON options that rebuild `m` (default: none). */
  options?: (m: M) => Record<string, SpecValue>;
  /** Makes a fresh module from those options (default: `new cls()`). */
  build?: (options: Record<string, SpecValue>) => M;
}

/**
 * Registers a custom `Module` class for `saveModel`/`loadModel` (and `describeModel`/`buildModel`)
 * under its class name. Only instances of exactly this class match (a subclass needs its own
 * registration). The weights are saved by `stateDict()`, so only the constructor's options go
 * in the spec.
 * @example
 * class Scaled extends nn.Module { constructor(readonly width = 4) { super(); } forward(x: Tensor) { return x.mul(2); } }
 * io.registerModuleClass(Scaled, { options: (m) => ({ width: m.width }), build: (o) => new Scaled(o.width as number) });
 */
export function registerModuleClass<M extends Module>(
  cls: new (...args: never[]) => M,
  how: ModuleClassOptions<M> = {},
): void {
  const type = how.type ?? cls.name;
  checkOptions('registerModuleClass', how, { type: true, options: true, build: true });
  const build = how.build ?? (() => new (cls as unknown as new () => M)());
  registerLayer(type, {
    build: (spec) => {
      const { type: _type, ...options } = spec;
      return build(options as Record<string, SpecValue>);
    },
    describe: (m) => (m.constructor === cls ? { type, ...(how.options?.(m as M) ?? {}) } : null),
  });
}

/**
 * Parses `mlp:784-256-128-10` into a Sequential spec: Linear layers of those widths with ReLU
 * between them (a Flatten first, so image batches work too).
 * @example
 * parseMlpSpec('mlp:4-16-3'); // Flatten, Linear(4,16), ReLU, Linear(16,3)
 */
export function parseMlpSpec(text: string): ModelSpec {
  const m = /^mlp:(\d+(?:-\d+)+)$/.exec(text.trim());
  if (!m) throw new OptionError(`parseMlpSpec: '${text}' is not an MLP spec; expected e.g. mlp:784-256-128-10`);
  const widths = m[1].split('-').map(Number);
  if (widths.some((w) => w <= 0)) throw new OptionError(`parseMlpSpec: widths must be positive in '${text}'`);
  const layers: ModelSpec[] = [{ type: 'Flatten' }];
  for (let i = 0; i + 1 < widths.length; i++) {
    if (i > 0) layers.push({ type: 'ReLU' });
    layers.push({ type: 'Linear', inFeatures: widths[i], outFeatures: widths[i + 1] });
  }
  return { type: 'Sequential', layers };
}
