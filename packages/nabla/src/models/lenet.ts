import { checkOptions } from '../tensor/options.js';
import { Flatten, Linear, MaxPool2d, ReLU, Sequential, Conv2d } from '../nn/index.js';

export interface LeNet5Options {
  /** Output classes. Default 10. */
  numClasses?: number;
  /** Input channels (1 for MNIST-like 28×28 images). Default 1. */
  inChannels?: number;
}

/**
 * LeNet-5 for 28×28 inputs, in its common modern form: ReLU activations and 2×2 max pooling
 * (the 1998 original used scaled tanh and trainable subsampling). The first convolution pads
 * by 2 so 28×28 inputs see the 32×32 geometry of the original:
 *
 *   [N, 1, 28, 28] → conv 6@5×5 pad 2 → ReLU → maxpool 2 → [N, 6, 14, 14]
 *                  → conv 16@5×5      → ReLU → maxpool 2 → [N, 16, 5, 5]
 *                  → flatten → fc 120 → ReLU → fc 84 → ReLU → fc 10 (logits)
 *
 * A plain `Sequential`, so its state-dict keys ('0.weight', '3.weight', '7.weight', …) are
 * those of the same `nn.Sequential` in PyTorch.
 * @example
 * import { lenet5 } from 'nabla/models';
 * const model = lenet5();
 * model.forward(randn([64, 1, 28, 28])).shape; // [64, 10]
 */
export function lenet5(options: LeNet5Options = {}): Sequential {
  checkOptions('lenet5', options, { numClasses: true, inChannels: true });
  const { numClasses = 10, inChannels = 1 } = options;
  return new Sequential(
    new Conv2d(inChannels, 6, 5, { padding: 2 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(6, 16, 5),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 5 * 5, 120),
    new ReLU(),
    new Linear(120, 84),
    new ReLU(),
    new Linear(84, numClasses),
  );
}
