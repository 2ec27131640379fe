import { OptionError } from '../tensor/errors.js';
import { randperm } from '../tensor/create.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Subset, type Dataset } from './dataset.js';

/** Turns fractions that sum to 1 into lengths the way PyTorch does (floor, then round-robin). */
function splitLengths(total: number, lengths: readonly number[], op: string): number[] {
  const sum = lengths.reduce((a, b) => a + b, 0);
  const fractional = Math.abs(sum - 1) < 1e-9 && sum !== total;
  if (!fractional) {
    if (lengths.some((l) => !Number.isInteger(l) || l < 0) || sum !== total) {
      throw new OptionError(
        `${op}: lengths [${lengths.join(', ')}] must be non-negative integers summing to the data set length ${total}, or fractions summing to 1`,
      );
    }
    return [...lengths];
  }
  if (lengths.some((f) => f < 0 || f > 1))
    throw new OptionError(`${op}: fraction out of [0, 1] in [${lengths.join(', ')}]`);
  const out = lengths.map((f) => Math.floor(total * f));
  let remainder = total - out.reduce((a, b) => a + b, 0);
  for (let i = 0; remainder > 0; i = (i + 1) % out.length, remainder--) out[i]++;
  return out;
}

/** Cuts `order` into consecutive pieces of the given sizes. */
function cut(order: Int32Array, sizes: readonly number[]): Int32Array[] {
  let start = 0;
  return sizes.map((size) => order.subarray(start, (start += size)));
}

/**
 * Splits `dataset` into non-overlapping random subsets, like `torch.utils.data.random_split`:
 * `lengths` are sizes summing to the data set length, or fractions summing to 1 (floored, the
 * leftover samples handed out one each from the first subset on).
 * @example
 * const [train, val] = randomSplit(ds, [0.8, 0.2], new Generator(42));
 */
export function randomSplit(
  dataset: Dataset,
  lengths: readonly number[],
  generator: Generator = defaultGenerator,
): Subset[] {
  const sizes = splitLengths(dataset.length, lengths, 'randomSplit');
  const perm = randperm(dataset.length, { generator }).toTypedArray() as Int32Array;
  return cut(perm, sizes).map((indices) => new Subset(dataset, indices));
}

/**
 * Like `randomSplit` with fractions, but within each class of `labels` (one per sample), so
 * every subset keeps the class proportions (scikit-learn's `stratify`). Each class is split
 * with `randomSplit`'s rounding; subset indices come out in data set order.
 * @example
 * const [train, test] = stratifiedSplit(ds, iris.target!, [0.8, 0.2], new Generator(0));
 */
export function stratifiedSplit(
  dataset: Dataset,
  labels: Tensor | ArrayLike<number>,
  fractions: readonly number[],
  generator: Generator = defaultGenerator,
): Subset[] {
  const y = 'toTypedArray' in labels ? labels.toTypedArray() : labels;
  if (y.length !== dataset.length)
    throw new OptionError(`stratifiedSplit: ${y.length} labels for a data set of length ${dataset.length}`);
  if (Math.abs(fractions.reduce((a, b) => a + b, 0) - 1) > 1e-9)
    throw new OptionError(`stratifiedSplit: fractions [${fractions.join(', ')}] must sum to 1`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const members = byClass.get(y[i]);
    if (members) members.push(i);
    else byClass.set(y[i], [i]);
  }
  const parts: number[][] = fractions.map(() => []);
  for (const members of [...byClass.entries()].sort(([a], [b]) => a - b).map(([, m]) => m)) {
    const perm = randperm(members.length, { generator }).toTypedArray();
    const shuffled = Int32Array.from(perm, (k) => members[k]);
    cut(shuffled, splitLengths(members.length, fractions, 'stratifiedSplit')).forEach((piece, s) =>
      parts[s].push(...piece),
    );
  }
  return parts.map(
    (p) =>
      new Subset(
        dataset,
        p.sort((a, b) => a - b),
      ),
  );
}
