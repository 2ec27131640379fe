/** `F.pad`: constant, reflect, replicate and circular padding (and cropping), from cat, narrow and indexSelect. */
import { ShapeError } from '../../tensor/errors.js';
import { full } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { indexSelect } from '../../ops/indexing.js';
import { cat, narrow } from '../../ops/movement.js';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Source index of each output position along a dim of size n padded by (before, after). */
function padIndex(n: number, before: number, after: number, mode: PadMode, dim: number): Tensor {
  if (mode === 'reflect' && (before >= n || after >= n)) {
    throw new ShapeError(
      `pad: reflect padding (${before}, ${after}) must be smaller than the size ${n} of dimension ${dim}`,
    );
  }
  if (n === 0) throw new ShapeError(`pad: cannot ${mode}-pad the empty dimension ${dim}`);
  const idx = new Int32Array(n + before + after);
  for (let k = 0; k < idx.length; k++) {
    const j = k - before;
    if (mode === 'replicate') idx[k] = Math.min(Math.max(j, 0), n - 1);
    else if (mode === 'circular') idx[k] = ((j % n) + n) % n;
    else idx[k] = j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j; // reflect (edge not repeated)
  }
  return Tensor.fromData(idx, [idx.length]);
}

/**
 * Pads (or, with negative amounts, crops) the last dims, like `F.pad(x, pad, mode, value)`:
 * `pad` lists (before, after) pairs starting from the last dimension.
 * @example
 * pad(ones([1, 2, 2]), [1, 1]).shape; // [1, 2, 4]
 */
export function pad(x: Tensor, amounts: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (amounts.length % 2 !== 0 || amounts.length / 2 > x.ndim) {
    throw new ShapeError(
      `pad: padding ${formatShape(amounts)} must hold (before, after) pairs for at most ${x.ndim} dims (input shape ${formatShape(x.shape)})`,
    );
  }
  let y = x;
  for (let i = 0; i < amounts.length / 2; i++) {
    const d = x.ndim - 1 - i;
    let [before, after] = [amounts[2 * i], amounts[2 * i + 1]];
    // Negative amounts crop first.
    if (before < 0) [y, before] = [narrow(y, d, -before, y.shape[d] + before), 0];
    if (after < 0) [y, after] = [narrow(y, d, 0, y.shape[d] + after), 0];
    if (before === 0 && after === 0) continue;
    if (mode !== 'constant') {
      y = indexSelect(y, d, padIndex(y.shape[d], before, after, mode, d));
      continue;
    }
    const side = (n: number): Tensor =>
      full(
        y.shape.map((s, k) => (k === d ? n : s)),
        value,
        { dtype: y.dtype },
      );
    y = cat([...(before ? [side(before)] : []), y, ...(after ? [side(after)] : [])], d);
  }
  return y;
}
