/** Counting values: unique (with inverse indices and counts) and bincount. No gradients. */
import { DTypeError, OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { getBackend } from '../backend/index.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import './methods.js';

export interface UniqueOptions {
  /** Also return, for each input element, the index of its value in the output. */
  returnInverse?: boolean;
  /** Also return how often each unique value occurs. */
  returnCounts?: boolean;
}

/**
 * The sorted distinct values of `x` (flattened), like `torch.unique`; with `returnInverse` and/or
 * `returnCounts`, the list `[values, inverse?, counts?]` in PyTorch's order (both int32).
 * @example
 * const [values, counts] = unique(tensor([2, 1, 2, 2]), { returnCounts: true }); // [1, 2] and [1, 3]
 */
export function unique(x: Tensor, options?: { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(x: Tensor, options: UniqueOptions): Tensor[];
export function unique(x: Tensor, options: UniqueOptions = {}): Tensor | Tensor[] {
  checkOptions('unique', options, { returnInverse: true, returnCounts: true });
  const data = x.toTypedArray();
  const values = [...new Set(data)].sort((a, b) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b));
  const buf = allocate(x.dtype, values.length);
  values.forEach((v, i) => (buf[i] = v));
  const out = Tensor.fromData(buf, [values.length]);
  if (!options.returnInverse && !options.returnCounts) return out;
  const inverse = new Int32Array(data.length);
  const counts = new Int32Array(values.length);
  getBackend().ops.uniqueInverse(data, values, inverse, counts);
  return [
    out,
    ...(options.returnInverse ? [Tensor.fromData(inverse, x.shape)] : []),
    ...(options.returnCounts ? [Tensor.fromData(counts, [values.length])] : []),
  ];
}

/**
 * How often each value 0..max occurs in a 1-D int32 tensor (or the sum of `weights` there), at
 * least `minlength` long, like `torch.bincount`.
 * @example
 * bincount(tensor([0, 2, 2], { dtype: 'int32' })); // [1, 0, 2]
 */
export function bincount(x: Tensor, weights: Tensor | null = null, minlength = 0): Tensor {
  if (x.dtype !== 'int32' || x.ndim !== 1)
    throw new DTypeError(`bincount: expected a 1-D int32 tensor, got ${x.dtype} of shape [${x.shape.join(', ')}]`);
  const data = x.toTypedArray();
  let max = -1;
  for (const v of data) {
    if (v < 0) throw new OptionError(`bincount: values must be non-negative, got ${v}`);
    max = Math.max(max, v);
  }
  if (weights && (weights.ndim !== 1 || weights.shape[0] !== data.length)) {
    throw new ShapeError(
      `bincount: weights of shape [${weights.shape.join(', ')}] must match the input's shape [${data.length}]`,
    );
  }
  const n = Math.max(max + 1, minlength);
  const w = weights?.toTypedArray();
  const out = weights ? (weights.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)) : new Int32Array(n);
  getBackend().ops.bincount(data, w ?? null, out);
  return Tensor.fromData(out, [n]);
}
