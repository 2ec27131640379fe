import { DTypeError, OptionError } from '../../tensor/errors.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { mul } from '../../ops/elementwise.js';
import { getBackend } from '../../backend/index.js';
import { allocateOverwritten, isFloating, type FloatArray } from '../../tensor/dtype.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';

/** Throws unless `p` is a probability (PyTorch's check and wording). */
export function checkDropoutProbability(p: number, op = 'dropout'): void {
  if (!(p >= 0 && p <= 1)) throw new OptionError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * Inverted dropout: in training, zeroes each element with probability `p` (drawn from
 * `generator`, the seeded default one unless given) and scales the survivors by `1/(1−p)`, so
 * the expected value is unchanged; outside training it returns `x` itself.
 * @example
 * manualSeed(0);
 * dropout(ones([4]), 0.5); // e.g. [2, 0, 2, 2]
 * dropout(ones([4]), 0.5, false); // [1, 1, 1, 1]
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkDropoutProbability(p);
  if (!training || p === 0) return x;
  if (!isFloating(x.dtype)) throw new DTypeError(`dropout: expected a floating point tensor, got ${x.dtype}`);
  const mask = noGrad(() => {
    const data = allocateOverwritten(x.dtype, x.numel()); // the kernel writes every element
    // p = 1 drops everything (PyTorch returns zeros rather than 0 · inf).
    const scale = p === 1 ? 0 : 1 / (1 - p);
    getBackend().random.bernoulliMask(generator.stateWords(), data as FloatArray, 1 - p, scale);
    return Tensor.fromData(data, x.shape);
  });
  return mul(x, mask);
}
