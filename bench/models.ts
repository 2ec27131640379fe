/** The benchmark's models, built from nabla's own layers; the PyTorch and TF.js runners mirror them. */
import { nn } from '../src/index.js';

/** MLP 784-512-256-10 with ReLU: the training workload. */
export function mlp(): nn.Module {
  return new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10));
}

/** Small MLP 784-256-256-10: the batch-1 inference-latency workload. */
export function smallMlp(): nn.Module {
  return new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));
}

/** LeNet-5 (ReLU, max pooling) for 1x28x28 inputs: conv5x5(6, pad 2) pool conv5x5(16) pool 120-84-10. */
export function lenet5(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
    new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
  );
}
