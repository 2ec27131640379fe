import { ShapeError, StateError } from '../tensor/errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Standardises features to zero mean and unit variance per column: `(x - mean) / std`, with
 * mean and (population, like scikit-learn's `StandardScaler`) std fitted on the training set
 * only and then applied unchanged to validation and test data. Constant columns get std 1.
 * @example
 * const scaler = new StandardScaler().fit(xTrain);
 * const xTrainS = scaler.transform(xTrain);
 * const xTestS = scaler.transform(xTest); // uses the training statistics
 */
export class StandardScaler {
  mean: Tensor | null = null;
  std: Tensor | null = null;

  /** Learns per-column mean and std from `x` of shape `[samples, ...features]`. */
  fit(x: Tensor): this {
    if (x.ndim < 1 || x.shape[0] === 0)
      throw new ShapeError(`StandardScaler.fit: expected at least one sample, got shape ${formatShape(x.shape)}`);
    noGrad(() => {
      this.mean = x.mean(0);
      const std = x.std(0, { correction: 0 });
      // Constant columns would divide by zero; leave them centred but unscaled.
      this.std = std.where(std.gt(0), 1);
    });
    return this;
  }

  /** `(x - mean) / std` with the fitted statistics (differentiable in `x`). */
  transform(x: Tensor): Tensor {
    const { mean, std } = this.fitted('transform');
    if (x.ndim < 1 || x.shape.slice(1).join() !== mean.shape.join()) {
      throw new ShapeError(
        `StandardScaler.transform: x has shape ${formatShape(x.shape)} but the scaler was fitted on features of shape ${formatShape(mean.shape)}`,
      );
    }
    return x.sub(mean).div(std);
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  /** Maps standardised values back: `z * std + mean`. */
  inverseTransform(z: Tensor): Tensor {
    const { mean, std } = this.fitted('inverseTransform');
    return z.mul(std).add(mean);
  }

  private fitted(op: string): { mean: Tensor; std: Tensor } {
    if (!this.mean || !this.std) throw new StateError(`StandardScaler.${op}: call fit() first`);
    return { mean: this.mean, std: this.std };
  }
}
