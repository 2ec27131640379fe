"""Shared by the PyTorch Fashion-MNIST counterparts of examples/fashion-mnist-*.ts.

Same data (the Debian package's IDX files), same normalisation, batch size, epochs, Adam with a
cosine-annealed learning rate, and cross-entropy as the nabla examples; batches are gathered from in-memory tensors with a fresh
permutation per epoch, as nabla's DataLoader does. Run with /usr/bin/python3 (PyTorch 1.13).
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.286, 0.353


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(split):
    if not os.path.exists(os.path.join(ROOT, f"{split}-images-idx3-ubyte.gz")):
        raise SystemExit(f"Fashion-MNIST not found in {ROOT}: run scripts/install-fashion-mnist.sh")
    x = torch.from_numpy(read_idx(os.path.join(ROOT, f"{split}-images-idx3-ubyte.gz")).copy()).float().div(255)
    y = torch.from_numpy(read_idx(os.path.join(ROOT, f"{split}-labels-idx1-ubyte.gz")).copy()).long()
    return ((x - MEAN) / STD).unsqueeze(1), y


def parse(defaults):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=defaults["epochs"])
    p.add_argument("--batch", type=int, default=defaults["batch"])
    p.add_argument("--lr", type=float, default=defaults["lr"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--augment", action="store_true", help="turn on the CNN's data augmentation")
    p.add_argument("--test-each-epoch", action="store_true", help="print test accuracy every epoch (not timed)")
    return p.parse_args()


def test_accuracy(model, xt, yt):
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(xt[i: i + 500]) for i in range(0, len(xt), 500)])
    return out, (out.argmax(1) == yt).float().mean().item()


def train_and_report(name, model, args, augment=None):
    if not args.augment:
        augment = None
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    x, y = load("train")
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    xt, yt = load("t10k")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    print(f"{name}: {len(x)} training images, {args.epochs} epochs, batch {args.batch}, Adam lr {args.lr}, "
          f"{'augmented, ' if augment else ''}torch {torch.__version__}, {torch.get_num_threads()} threads")
    start, cpu = time.perf_counter(), time.process_time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x))
        total, correct = 0.0, 0
        for i in range(0, len(x), args.batch):
            idx = perm[i: i + args.batch]
            xb, yb = x[idx], y[idx]
            if augment is not None:
                xb = augment(xb)
            opt.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        sched.step()
        print(f"epoch {epoch + 1}/{args.epochs}  loss {total / len(x):.4f}  accuracy {correct / len(x):.4f}  "
              f"[{time.perf_counter() - start:.0f} s]", flush=True)
        if args.test_each_epoch:
            t0, c0 = time.perf_counter(), time.process_time()
            print(f"  after epoch {epoch + 1}: test accuracy {100 * test_accuracy(model, xt, yt)[1]:.2f}%", flush=True)
            start, cpu = start + time.perf_counter() - t0, cpu + time.process_time() - c0
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    out, acc = test_accuracy(model, xt, yt)
    loss = F.cross_entropy(out, yt).item()
    print(f"test accuracy {100 * acc:.2f}%  test loss {loss:.4f}  training wall time {seconds:.1f} s "
          f"({seconds / args.epochs:.1f} s/epoch), CPU time {cpu_seconds:.1f} s")
    print(json.dumps({"example": name, "accuracy": acc, "trainSeconds": seconds, "cpuSeconds": cpu_seconds, "epochs": args.epochs,
                      "batch": args.batch, "backend": f"pytorch {torch.__version__} {torch.get_num_threads()} threads"}))
