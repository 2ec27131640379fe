"""PyTorch counterpart of examples/fashion-mnist-mlp.ts: 784-256-128-10 MLP, Adam, same epochs/batch.

Run: /usr/bin/python3 examples/pytorch/fashion_mnist_mlp.py [--epochs 10]
"""
import torch.nn as nn

from fashion_mnist_common import parse, train_and_report

args = parse({"epochs": 10, "batch": 128, "lr": 1e-3})
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
train_and_report("fashion-mnist-mlp (pytorch)", model, args)
