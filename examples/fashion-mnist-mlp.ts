/**
 * Fashion-MNIST with a multilayer perceptron, 784-256-128-10 with ReLU, Adam, cross-entropy.
 * Run: npx tsx examples/fashion-mnist-mlp.ts [--epochs 10] [--backend native|wasm|js]
 * PyTorch counterpart (same model, epochs, batch, optimizer): examples/pytorch/fashion_mnist_mlp.py
 * Needs Fashion-MNIST in /usr/share/datasets/fashion-mnist (scripts/install-fashion-mnist.sh).
 */
import { nn } from 'nabla';
import { parseConfig, trainAndReport } from './fashion-mnist-common.js';

const config = parseConfig({ epochs: 10, batch: 128, lr: 1e-3 });
const model = new nn.Sequential(
  new nn.Flatten(),
  new nn.Linear(784, 256),
  new nn.ReLU(),
  new nn.Linear(256, 128),
  new nn.ReLU(),
  new nn.Linear(128, 10),
);
await trainAndReport('fashion-mnist-mlp', model, config, null);
