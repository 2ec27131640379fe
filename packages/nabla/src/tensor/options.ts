/**
 * Options objects are checked key by key: in plain JavaScript (and through `any`) a misspelled
 * key such as `{ batch_size: 32 }` would otherwise be ignored and the default used, which trains
 * a different model without a word. Every public function or constructor that takes an options
 * object calls `checkOptions` with the full list of its keys.
 */
import { OptionError } from './errors.js';

/**
 * Every key of an options type, each mapped to `true`: written out as an object literal so the
 * compiler checks the list against the interface (a key missing here, or one the interface does
 * not have, is a type error), which keeps the run-time list and the type in step.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Throws an `OptionError` for a key of `options` that `keys` does not list, naming the key, the
 * owner, and the nearest valid key ("unknown option 'batch_size' for DataLoader; did you mean
 * 'batchSize'?"). `undefined` or `null` options pass (the caller's defaults apply).
 * @example
 * interface ScaleOptions { factor?: number; shift?: number }
 * function scale(x: Tensor, options: ScaleOptions = {}): Tensor {
 *   checkOptions('scale', options, { factor: true, shift: true }); // { factr: 2 } would throw
 *   return x.mul(options.factor ?? 1).add(options.shift ?? 0);
 * }
 * scale(tensor([1]), { factor: 2 }).item(); // 2
 */
export function checkOptions<T extends object>(
  owner: string,
  options: T | undefined | null,
  keys: OptionKeys<NoInfer<T>>,
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError(
      `${owner}: options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(keys, key)) throw unknownOption(owner, key, Object.keys(keys));
  }
}

/** The error for an unknown key, with the nearest valid key or the list of valid keys. */
export function unknownOption(owner: string, key: string, valid: readonly string[]): OptionError {
  const near = nearestName(key, valid);
  const hint =
    near !== undefined
      ? `did you mean '${near}'?`
      : valid.length > 0
        ? `valid options: ${valid.join(', ')}`
        : 'it takes no options';
  return new OptionError(`unknown option '${key}' for ${owner}; ${hint}`);
}

/**
 * Throws an `OptionError` unless `options[key]` is set: for options with no sensible default
 * (`CosineAnnealingLR`'s `tMax`), where `undefined` would turn into NaN downstream.
 */
export function requireOption<T extends object, K extends keyof T>(
  owner: string,
  options: T | undefined,
  key: K,
): NonNullable<T[K]> {
  const value = options?.[key];
  if (value === undefined || value === null) {
    throw new OptionError(`${owner}: option '${String(key)}' is required`);
  }
  return value as NonNullable<T[K]>;
}

/**
 * The candidate nearest to `name`, or undefined when none is close. Case, `_` and `-` are
 * ignored first (PyTorch's `weight_decay` finds `weightDecay`, `T_max` finds `tMax`); otherwise
 * the smallest edit distance within a third of the name's length (at least 1) wins.
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const fold = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  const folded = fold(name);
  const same = candidates.find((c) => fold(c) === folded);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(folded.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(folded, fold(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}
