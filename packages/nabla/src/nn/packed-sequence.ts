/**
 * Variable-length sequences for the recurrent layers, like `torch.nn.utils.rnn`: `padSequence`,
 * `packPaddedSequence`, `packSequence`, `padPackedSequence` and the `PackedSequence` they pass
 * around. Packing and unpacking are one `indexSelect` each (index lists built from the lengths),
 * so gradients flow through them.
 */
import { indexSelect } from '../ops/indexing.js';
import { cat, stack } from '../ops/movement.js';
import { full, tensor } from '../tensor/create.js';
import { DTypeError, OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A batch of sequences of different lengths, packed time step by time step: `data` holds, for each
 * step t, the rows of the `batchSizes[t]` sequences still running (longest first), like PyTorch's
 * `PackedSequence`. `sortedIndices[i]` is the batch position of the i-th longest sequence;
 * `unsortedIndices` undoes it (both null when the batch came sorted). Made by
 * `packPaddedSequence` or `packSequence`, accepted by RNN, LSTM and GRU.
 * @example
 * const packed = packSequence([ones([3, 2]), ones([1, 2])]);
 * packed.data.shape; // [4, 2]
 * packed.batchSizes.toArray(); // [2, 1, 1]
 */
export class PackedSequence {
  constructor(
    /** [sum of lengths, *features]. */
    readonly data: Tensor,
    /** int32 [longest length]: how many sequences are still running at each time step. */
    readonly batchSizes: Tensor,
    readonly sortedIndices: Tensor | null = null,
    readonly unsortedIndices: Tensor | null = null,
  ) {
    if (batchSizes.dtype !== 'int32' || batchSizes.ndim !== 1)
      throw new DTypeError(
        `PackedSequence: batchSizes must be a 1-D int32 tensor, got ${batchSizes.dtype} of shape ${formatShape(batchSizes.shape)}`,
      );
    const total = this.sizes().reduce((a, b) => a + b, 0);
    if (data.ndim < 1 || data.shape[0] !== total)
      throw new ShapeError(
        `PackedSequence: data has shape ${formatShape(data.shape)}, but batchSizes add up to ${total} rows`,
      );
  }

  /** `batchSizes` as numbers (metadata, one per time step). */
  sizes(): number[] {
    return Array.from(this.batchSizes.toTypedArray());
  }

  /** The batch size (number of sequences). */
  get batch(): number {
    return this.batchSizes.numel() === 0 ? 0 : (this.batchSizes.toTypedArray()[0] as number);
  }

  /** Batch positions of the sorted sequences (identity when none were recorded). */
  order(): number[] {
    return this.sortedIndices
      ? Array.from(this.sortedIndices.toTypedArray())
      : Array.from({ length: this.batch }, (_, i) => i);
  }

  /** The same sequences with `data` replaced (e.g. an RNN's packed output). */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.batchSizes, this.sortedIndices, this.unsortedIndices);
  }

  toString(): string {
    return `PackedSequence(data=${formatShape(this.data.shape)}, batchSizes=[${this.sizes().join(', ')}])`;
  }
}

/** Lengths as numbers, checked against the padded length `steps`. */
function lengthList(lengths: Tensor | readonly number[], steps: number, batch: number, fn: string): number[] {
  const list = Array.isArray(lengths)
    ? [...(lengths as readonly number[])]
    : Array.from((lengths as Tensor).toTypedArray());
  if (list.length !== batch)
    throw new ShapeError(`${fn}: got ${list.length} lengths for a batch of ${batch} sequences`);
  for (const n of list) {
    if (!Number.isInteger(n) || n < 1 || n > steps)
      throw new OptionError(`${fn}: every length must be an integer in [1, ${steps}] (the padded length), got ${n}`);
  }
  return list;
}

/** Positions of the sequences, longest first (stable for equal lengths). */
function sortByLength(lengths: readonly number[]): number[] {
  return lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
}

function inverse(order: readonly number[]): number[] {
  const inv = new Array<number>(order.length);
  order.forEach((pos, i) => {
    inv[pos] = i;
  });
  return inv;
}

const int32 = (values: readonly number[]): Tensor => tensor(values as number[], { dtype: 'int32' });

/**
 * Packs a padded batch `input` ([T, B, *], or [B, T, *] with `batchFirst`) whose sequence b has
 * `lengths[b]` valid steps, like `torch.nn.utils.rnn.pack_padded_sequence`. With `enforceSorted`
 * (default true) the lengths must not increase; pass false to let it sort them (the order is kept
 * in `sortedIndices`, and `padPackedSequence` and the RNNs' final states undo it).
 * @example
 * const x = randn([3, 2, 4]); // T=3, B=2
 * const packed = packPaddedSequence(x, [3, 1]);
 * const [out, hN] = new GRU(4, 5).forward(packed); // out: PackedSequence, hN [1, 2, 5]
 * const [padded, lengths] = padPackedSequence(out); // padded [3, 2, 5], lengths [3, 1]
 */
export function packPaddedSequence(
  input: Tensor,
  lengths: Tensor | readonly number[],
  options: { batchFirst?: boolean; enforceSorted?: boolean } = {},
): PackedSequence {
  checkOptions('packPaddedSequence', options, { batchFirst: true, enforceSorted: true });
  const { batchFirst = false, enforceSorted = true } = options;
  if (input.ndim < 2)
    throw new ShapeError(
      `packPaddedSequence: expected input of at least 2 dims, got shape ${formatShape(input.shape)}`,
    );
  const x = batchFirst ? input.transpose(0, 1) : input; // [T, B, *]
  const [steps, batch] = x.shape;
  const lens = lengthList(lengths, steps, batch, 'packPaddedSequence');
  let order: number[];
  if (enforceSorted) {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i] > lens[i - 1])
        throw new OptionError(
          `packPaddedSequence: lengths [${lens.join(', ')}] must be sorted in decreasing order with enforceSorted (the default); pass { enforceSorted: false } to sort them`,
        );
    }
    order = lens.map((_, i) => i);
  } else order = sortByLength(lens);
  const longest = lens[order[0]];
  const batchSizes: number[] = [];
  const rows: number[] = []; // row t·B + b of the flattened [T·B, *] input, step by step
  for (let t = 0; t < longest; t++) {
    let running = 0;
    for (const b of order) {
      if (lens[b] <= t) break;
      rows.push(t * batch + b);
      running++;
    }
    batchSizes.push(running);
  }
  const flat = x.reshape([steps * batch, ...x.shape.slice(2)]);
  const data = indexSelect(flat, 0, int32(rows));
  return enforceSorted
    ? new PackedSequence(data, int32(batchSizes))
    : new PackedSequence(data, int32(batchSizes), int32(order), int32(inverse(order)));
}

/**
 * Packs a list of sequences ([Li, *] each), like `torch.nn.utils.rnn.pack_sequence`.
 * @example
 * packSequence([ones([1, 2]), ones([3, 2])], { enforceSorted: false }).batchSizes.toArray(); // [2, 1, 1]
 */
export function packSequence(sequences: readonly Tensor[], options: { enforceSorted?: boolean } = {}): PackedSequence {
  checkOptions('packSequence', options, { enforceSorted: true });
  return packPaddedSequence(
    padSequence(sequences),
    sequences.map((s) => s.shape[0]),
    options,
  );
}

/**
 * Unpacks `sequence` into a padded batch and the lengths, in the original batch order, like
 * `torch.nn.utils.rnn.pad_packed_sequence`: `[padded, lengths]` with padded [T, B, *] (or
 * [B, T, *] with `batchFirst`), T the longest length or `totalLength`, and lengths int32.
 * @example
 * const [padded, lengths] = padPackedSequence(packSequence([ones([2, 3]), ones([1, 3])]), { batchFirst: true });
 * padded.shape; // [2, 2, 3]
 */
export function padPackedSequence(
  sequence: PackedSequence,
  options: { batchFirst?: boolean; paddingValue?: number; totalLength?: number } = {},
): [Tensor, Tensor] {
  checkOptions('padPackedSequence', options, { batchFirst: true, paddingValue: true, totalLength: true });
  const { batchFirst = false, paddingValue = 0 } = options;
  const sizes = sequence.sizes();
  const longest = sizes.length;
  const steps = options.totalLength ?? longest;
  if (!Number.isInteger(steps) || steps < longest)
    throw new OptionError(
      `padPackedSequence: totalLength must be an integer at least the longest length ${longest}, got ${steps}`,
    );
  const batch = sequence.batch;
  const order = sequence.order();
  const lengths = new Array<number>(batch).fill(0);
  for (const running of sizes) for (let i = 0; i < running; i++) lengths[order[i]]++;
  const { data } = sequence;
  const padRow = data.shape[0]; // the row of paddingValue appended below
  const rows: number[] = [];
  let offset = 0;
  const rank = inverse(order);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) rows.push(t < longest && rank[b] < sizes[t] ? offset + rank[b] : padRow);
    if (t < longest) offset += sizes[t];
  }
  const padding = full([1, ...data.shape.slice(1)], paddingValue, { dtype: data.dtype });
  const padded = indexSelect(cat([data, padding], 0), 0, int32(rows)).reshape([steps, batch, ...data.shape.slice(1)]);
  return [batchFirst ? padded.transpose(0, 1) : padded, int32(lengths)];
}

/**
 * Pads variable-length sequences ([Li, *]) with `paddingValue` to the longest and stacks them:
 * [Lmax, B, *], or [B, Lmax, *] with `batchFirst`, like `torch.nn.utils.rnn.pad_sequence`.
 * @example
 * padSequence([ones([3, 2]), ones([1, 2])], { batchFirst: true }).shape; // [2, 3, 2]
 */
export function padSequence(
  sequences: readonly Tensor[],
  options: { batchFirst?: boolean; paddingValue?: number } = {},
): Tensor {
  checkOptions('padSequence', options, { batchFirst: true, paddingValue: true });
  if (sequences.length === 0) throw new OptionError('padSequence: expected at least one sequence');
  const { batchFirst = false, paddingValue = 0 } = options;
  const trailing = sequences[0].shape.slice(1).join();
  for (const s of sequences) {
    if (s.ndim < 1 || s.shape.slice(1).join() !== trailing)
      throw new ShapeError(
        `padSequence: every sequence needs the same trailing dims, got ${sequences.map((q) => formatShape(q.shape)).join(', ')}`,
      );
  }
  const longest = Math.max(...sequences.map((s) => s.shape[0]));
  const padded = sequences.map((s) => {
    const extra = longest - s.shape[0];
    return extra === 0 ? s : cat([s, full([extra, ...s.shape.slice(1)], paddingValue, { dtype: s.dtype })], 0);
  });
  return stack(padded, batchFirst ? 0 : 1);
}
