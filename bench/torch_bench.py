"""PyTorch side of `npm run bench`: the same workloads as bench/workloads.ts, printed as one JSON line.

Usage: /usr/bin/python3 bench/torch_bench.py THREADS REPEATS [workload ...]
The BLAS is chosen by the caller (LD_LIBRARY_PATH); this script reports which one torch loaded.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn


def median_rate(step, items, repeats, warmup=3, min_seconds=0.5):
    """Items per second of `step`: warm-up excluded, median over `repeats` timed runs."""
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while True:
            step()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds and n >= 3:
                break
        rates.append(n * items / elapsed)
    return statistics.median(rates)


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def train_rate(model, x, y, repeats):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return median_rate(step, x.shape[0], repeats)


def sgemm(repeats):
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    return median_rate(lambda: torch.mm(a, b), 2 * n ** 3, repeats) / 1e9


def infer_latency_us(repeats):
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)).eval()
    x = torch.randn(1, 784)
    with torch.no_grad():
        rate = median_rate(lambda: model(x), 1, repeats)
    return 1e6 / rate


def main():
    threads, repeats = int(sys.argv[1]), int(sys.argv[2])
    wanted = sys.argv[3:] or ['sgemm', 'mlp', 'lenet', 'infer']
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {'threads': threads, 'torch': torch.__version__}
    if 'sgemm' in wanted:
        out['sgemm'] = sgemm(repeats)
    if 'mlp' in wanted:
        out['mlp'] = train_rate(mlp(), torch.randn(128, 784), torch.randint(0, 10, (128,)), repeats)
    if 'lenet' in wanted:
        out['lenet'] = train_rate(lenet(), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)), repeats)
    if 'infer' in wanted:
        out['infer'] = infer_latency_us(repeats)
    with open('/proc/self/maps') as maps:
        libs = sorted({line.split()[-1] for line in maps if 'blas' in line.lower() and line.split()[-1].startswith('/')})
    out['blas'] = libs
    print(json.dumps(out))


if __name__ == '__main__':
    main()
