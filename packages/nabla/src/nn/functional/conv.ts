/** `nn.functional` for image tensors: convolution, pooling, normalisation and channel dropout. */
import { DTypeError, ShapeError } from '../../tensor/errors.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { mul } from '../../ops/elementwise.js';
import { getBackend } from '../../backend/index.js';
import { allocate, isFloating, type FloatArray } from '../../tensor/dtype.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkDropoutProbability } from './dropout.js';

export { conv1d, conv2d, type Conv1dOptions, type Conv2dOptions, type Pair } from '../../ops/conv.js';
export {
  maxPool2d,
  maxPool2dWithIndices,
  avgPool2d,
  adaptiveAvgPool2d,
  maxPool1d,
  avgPool1d,
  type MaxPool2dOptions,
  type AvgPool2dOptions,
} from '../../ops/pool.js';
export { batchNorm, layerNorm, groupNorm, type BatchNormOptions, type LayerNormOptions } from '../../ops/norm.js';
export { convTranspose2d, type ConvTranspose2dOptions } from '../../ops/conv-transpose.js';
export { interpolate, type InterpolateOptions } from '../../ops/upsample.js';

/**
 * Channel dropout (`torch.nn.functional.dropout2d`): in training, zeroes whole channels of
 * `[N, C, H, W]` (or unbatched `[C, H, W]`) with probability `p` and scales the kept ones by
 * `1/(1−p)`; outside training returns `x`.
 * @example
 * dropout2d(ones([2, 8, 4, 4]), 0.5); // each of the 16 channels is all 0 or all 2
 */
export function dropout2d(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkDropoutProbability(p, 'dropout2d');
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(
      `dropout2d: expected input of shape [N, C, H, W] (or unbatched [C, H, W]), got ${formatShape(x.shape)}`,
    );
  if (!training || p === 0) return x;
  if (!isFloating(x.dtype)) throw new DTypeError(`dropout2d: expected a floating point tensor, got ${x.dtype}`);
  const maskShape = [...x.shape.slice(0, x.ndim - 2), 1, 1];
  const mask = noGrad(() => {
    const data = allocate(x.dtype, maskShape[0] * (x.ndim === 4 ? maskShape[1] : 1));
    const scale = p === 1 ? 0 : 1 / (1 - p);
    getBackend().random.bernoulliMask(generator.stateWords(), data as FloatArray, 1 - p, scale);
    return Tensor.fromData(data, maskShape);
  });
  return mul(x, mask);
}
