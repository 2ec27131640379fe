"""PyTorch counterpart of examples/fashion-mnist-cnn.ts: same CNN, augmentation, epochs, batch, Adam.

Run: /usr/bin/python3 examples/pytorch/fashion_mnist_cnn.py [--epochs 15]
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from fashion_mnist_common import MEAN, STD, parse, train_and_report

args = parse({"epochs": 15, "batch": 128, "lr": 2e-3})


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]


model = nn.Sequential(*block(1, 32), *block(32, 64), nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128),
                      nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def augment(x):
    """Random crop with 2 pixels of zero padding (in the un-normalised space) and a random
    horizontal flip, one draw per image, as nabla's batch transforms do."""
    n = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2), value=-MEAN / STD)
    tops = torch.randint(0, 5, (n,))
    lefts = torch.randint(0, 5, (n,))
    rows = (tops[:, None] + torch.arange(28)[None, :])[:, None, :, None].expand(n, 1, 28, 32)
    out = padded.gather(2, rows)
    cols = (lefts[:, None] + torch.arange(28)[None, :])[:, None, None, :].expand(n, 1, 28, 28)
    out = out.gather(3, cols)
    flip = torch.rand(n) < 0.5
    out[flip] = out[flip].flip(3)
    return out


train_and_report("fashion-mnist-cnn (pytorch)", model, args, augment)
