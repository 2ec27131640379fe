"""PyTorch side of `npm run bench`: the same workloads as bench/nabla-runner.ts, printed as one JSON line.

Usage: /usr/bin/python3 bench/torch_bench.py THREADS REPEATS [workload ...]
The BLAS is chosen by the caller (LD_LIBRARY_PATH); this script reports which one torch loaded.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn


def median_rates(step, items, repeats, warmup=3, warmup_seconds=1.5, min_seconds=0.5):
    """Items per wall-clock and per process-CPU second of `step`: warm-up (at least `warmup` calls and
    `warmup_seconds`, as bench/measure.ts) excluded, medians over `repeats` runs."""
    warm_start, calls = time.perf_counter(), 0
    while calls < warmup or time.perf_counter() - warm_start < warmup_seconds:
        step()
        calls += 1
    wall, cpu = [], []
    for _ in range(repeats):
        n, start, cpu0 = 0, time.perf_counter(), time.process_time()
        while True:
            step()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds and n >= 3:
                break
        wall.append(n * items / elapsed)
        cpu.append(n * items / max(time.process_time() - cpu0, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


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
    return median_rates(step, x.shape[0], repeats)


def sgemm(repeats):
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    wall, cpu = median_rates(lambda: torch.mm(a, b), 2 * n ** 3, repeats)
    return wall / 1e9, cpu / 1e9


def infer_latency_us(repeats):
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)).eval()
    x = torch.randn(1, 784)
    with torch.no_grad():
        wall, cpu = median_rates(lambda: model(x), 1, repeats)
    return 1e6 / wall, 1e6 / cpu


def step1_us(repeats):
    """Batch-1 training step of a 20-5-1 MLP with SGD and MSE: per-step overhead (online learning)."""
    model = nn.Sequential(nn.Linear(20, 5), nn.ReLU(), nn.Linear(5, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    x, y = torch.randn(1, 20), torch.randn(1, 1)

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    wall, cpu = median_rates(step, 1, repeats)
    return 1e6 / wall, 1e6 / cpu


def main():
    threads, repeats = int(sys.argv[1]), int(sys.argv[2])
    wanted = sys.argv[3:] or ['sgemm', 'mlp', 'lenet', 'infer', 'step1']
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {'threads': threads, 'torch': torch.__version__}
    runs = {
        'sgemm': lambda: sgemm(repeats),
        'mlp': lambda: train_rate(mlp(), torch.randn(128, 784), torch.randint(0, 10, (128,)), repeats),
        'lenet': lambda: train_rate(lenet(), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)), repeats),
        'infer': lambda: infer_latency_us(repeats),
        'step1': lambda: step1_us(repeats),
    }
    for name in wanted:
        out[name], out[name + 'Cpu'] = runs[name]()
    with open('/proc/self/maps') as maps:
        libs = sorted({line.split()[-1] for line in maps if 'blas' in line.lower() and line.split()[-1].startswith('/')})
    out['blas'] = libs
    print(json.dumps(out))


if __name__ == '__main__':
    main()
