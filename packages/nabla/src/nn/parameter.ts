import { Tensor } from '../tensor/tensor.js';
import '../ops/methods.js'; // tensors get their op methods (see tensor/methods.ts)

/**
 * A tensor that a `Module` owns and an optimizer updates: a leaf that requires grad.
 * @example
 * const w = new Parameter(randn([3, 2])); // w.requiresGrad === true
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const leaf = data.detach();
    super(leaf.storage, leaf.shape, leaf.strides, leaf.offset);
    this.requiresGrad = requiresGrad;
  }

  /** `Parameter containing:` and the tensor, as PyTorch prints a parameter. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
