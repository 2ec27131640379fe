/**
 * Per-op overhead of the core: a batch-1 MLP forward + backward, timed in a loop.
 * Run: node --conditions=nabla-source --import tsx bench/profile-mlp.ts [iterations]   (reports CPU time per step)
 * Profile: node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-mlp.ts
 */
import { nn, noGrad, randn, tensor, zeros, type Tensor } from 'nabla';

const { linear } = nn.functional;

function mlp(sizes: number[]): { params: Tensor[]; step: (x: Tensor, y: Tensor) => number } {
  const params: Tensor[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    params.push(
      randn([sizes[i + 1], sizes[i]])
        .mul(1 / Math.sqrt(sizes[i]))
        .requiresGrad_(),
    );
    params.push(zeros([sizes[i + 1]], { requiresGrad: true }));
  }
  const step = (x: Tensor, y: Tensor): number => {
    let h = x;
    for (let i = 0; i < params.length; i += 2) {
      h = linear(h, params[i], params[i + 1]);
      if (i + 2 < params.length) h = h.relu();
    }
    const loss = h.logSoftmax(1).gather(1, y).neg().mean();
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad!, 0.01);
        p.grad = null;
      }
    });
    return loss.item();
  };
  return { params, step };
}

/** CPU time (not wall time: the machine is shared) per step, the best of 5 rounds. */
function time(label: string, sizes: number[], batch: number, iterations: number): void {
  const { step } = mlp(sizes);
  const x = randn([batch, sizes[0]]);
  const y = tensor(
    Array.from({ length: batch }, (_, i) => [i % sizes[sizes.length - 1]]),
    { dtype: 'int32' },
  );
  for (let i = 0; i < Math.min(200, iterations); i++) step(x, y); // warm up the JIT
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) step(x, y);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / iterations);
  }
  console.log(
    `${label} (${sizes.join('-')}), batch ${batch}: ${best.toFixed(1)} µs CPU per forward+backward+update (best of 5 rounds)`,
  );
}

const iterations = Number(process.argv[2] ?? 1000);
time('tiny MLP', [4, 16, 3], 1, iterations);
time('MNIST MLP', [784, 128, 10], 1, Math.max(1, Math.floor(iterations / 4)));
time('MNIST MLP', [784, 128, 10], 64, Math.max(1, Math.floor(iterations / 40)));
