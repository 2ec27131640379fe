/** The benchmark's models, built from nabla's own layers; the PyTorch and TF.js runners mirror them. */
import { nn } from 'nabla';

/** MLP 784-512-256-10 with ReLU: the training workload. */
export function mlp(): nn.Module {
  return new nn.Sequential(
    new nn.Linear(784, 512),
    new nn.ReLU(),
    new nn.Linear(512, 256),
    new nn.ReLU(),
    new nn.Linear(256, 10),
  );
}

/** Small MLP 784-256-256-10: the batch-1 inference-latency workload. */
export function smallMlp(): nn.Module {
  return new nn.Sequential(
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Linear(256, 256),
    new nn.ReLU(),
    new nn.Linear(256, 10),
  );
}

/** Tiny MLP 20-5-1 with ReLU: the batch-1 training-step workload (per-step overhead). */
export function tinyMlp(): nn.Module {
  return new nn.Sequential(new nn.Linear(20, 5), new nn.ReLU(), new nn.Linear(5, 1));
}

/** LeNet-5 from the model zoo (ReLU, max pooling; conv 6@5x5 pad 2, conv 16@5x5, 120-84-10), as torch_bench.py builds it. */
export { lenet5 } from 'nabla/models';
