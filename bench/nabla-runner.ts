/**
 * nabla side of `npm run bench`: sgemm 1024, MLP and LeNet-5 training (SGD momentum 0.9,
 * cross-entropy), batch-1 small-MLP inference, a batch-1 training step of a 20-5-1 MLP (SGD, MSE),
 * on one backend; prints one JSON line.
 * Usage: tsx bench/nabla-runner.ts js|wasm|native [--threads N] [--repeats N] [--workloads a,b] [--profile]
 *        tsx bench/nabla-runner.ts wasm|native --memory-steps 10000   (RSS over a long MLP run)
 */
import {
  backendInfo,
  getBackend,
  initWasm,
  matmul,
  nn,
  noGrad,
  optim,
  randint,
  randn,
  setBackend,
  wasmInfo,
  type Tensor,
} from 'nabla';
import { formatProfile, profiled } from './kernel-profile.js';
import { flag, medianRates } from './measure.js';
import { lenet5, mlp, smallMlp, tinyMlp } from './models.js';

function trainStep(model: nn.Module, x: Tensor, y: Tensor): () => void {
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const loss = new nn.CrossEntropyLoss();
  return () => {
    opt.zeroGrad();
    loss.forward(model.forward(x), y).backward();
    opt.step();
  };
}

function workload(name: string): { step: () => void; items: number; scale: (rate: number) => number } {
  if (name === 'sgemm') {
    const a = randn([1024, 1024]);
    const b = randn([1024, 1024]);
    return { step: () => matmul(a, b), items: 2 * 1024 ** 3, scale: (r) => r / 1e9 };
  }
  if (name === 'mlp')
    return { step: trainStep(mlp(), randn([128, 784]), randint(0, 10, [128])), items: 128, scale: (r) => r };
  if (name === 'lenet')
    return { step: trainStep(lenet5(), randn([64, 1, 28, 28]), randint(0, 10, [64])), items: 64, scale: (r) => r };
  if (name === 'step1') {
    // Online learning: one sample per step, so the per-step overhead is all there is.
    const model = tinyMlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
    const loss = new nn.MSELoss();
    const x = randn([1, 20]);
    const y = randn([1, 1]);
    const step = (): void => {
      opt.zeroGrad();
      loss.forward(model.forward(x), y).backward();
      opt.step();
    };
    return { step, items: 1, scale: (r) => 1e6 / r };
  }
  const model = smallMlp();
  model.eval();
  const x = randn([1, 784]);
  return { step: () => noGrad(() => model.forward(x)), items: 1, scale: (r) => 1e6 / r };
}

/**
 * RSS (MiB) after a warm-up of 1,000 steps and after `steps` more MLP training steps, sampled every tenth of the run,
 * each sample after a full GC when the process runs with --expose-gc (memory retained, not garbage
 * waiting for collection).
 */
function memoryRun(steps: number): Record<string, unknown> {
  const step = trainStep(mlp(), randn([128, 784]), randint(0, 10, [128]));
  const gc = (globalThis as { gc?: () => void }).gc;
  const mib = (): number => {
    gc?.();
    return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
  };
  // 1,000 steps first: the C heap keeps freed buffers for reuse (native/malloc.ts) and grows until it
  // holds a GC cycle's worth of them (~25 MiB here, within the first 1,000 steps); a leak shows after.
  for (let i = 0; i < 1000; i++) step();
  const before = mib();
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 1; i <= steps; i++) {
    step();
    if (i % Math.max(1, Math.floor(steps / 10)) === 0) samples.push(mib());
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    steps,
    rssBeforeMiB: before,
    rssAfterMiB: mib(),
    rssSamplesMiB: samples,
    seconds,
    gcBeforeSamples: gc !== undefined,
  };
}

async function main(): Promise<void> {
  const backend = process.argv[2];
  const threads = Number(flag('threads', '0')) || undefined;
  if (backend === 'native') {
    // nabla/node loads the BLAS (and selects native) on import; then one thread count for both pools.
    const { initNative } = await import('nabla/node');
    const started = await initNative(threads === undefined ? {} : { threads });
    if (typeof started === 'string') {
      console.log(JSON.stringify({ backend, error: started }));
      return;
    }
  } else if (backend === 'wasm') {
    // As a Node user runs WASM: nabla/node brings worker_threads (NABLA_BACKEND=wasm: no BLAS loaded).
    process.env.NABLA_BACKEND = 'wasm';
    await import('nabla/node');
    await initWasm({ threads });
  }
  setBackend(backend === 'native' ? 'native' : backend === 'wasm' ? 'wasm' : 'js');
  const info = backendInfo();
  const out: Record<string, unknown> = {
    backend,
    threads: info.threads,
    relaxedSimd: wasmInfo()?.relaxedSimd ?? false,
    ...(info.blas
      ? { blas: `${info.blas.library} ${info.blas.corename ?? ''}`.trim(), blasThreads: info.blas.threads ?? 0 }
      : {}),
    ...(info.kernels
      ? {
          kernels:
            'vectorBits' in info.kernels
              ? `nabla's compiled kernels (${info.kernels.vectorBits}-bit vectors)`
              : `no compiled kernels (${info.kernels.unavailable})`,
        }
      : {}),
  };
  const memorySteps = Number(flag('memory-steps', '0'));
  if (memorySteps > 0) {
    Object.assign(out, memoryRun(memorySteps));
    console.log(JSON.stringify(out));
    return;
  }
  const repeats = Number(flag('repeats', '3'));
  const profile = process.argv.includes('--profile');
  for (const name of flag('workloads', 'sgemm,mlp,lenet,infer,step1').split(',')) {
    const w = workload(name);
    const rates = await medianRates(w.step, w.items, { repeats, minCalls: 1 });
    out[name] = w.scale(rates.wall);
    out[`${name}Cpu`] = w.scale(rates.cpu);
    if (profile) {
      const { backend: wrapped, stats } = profiled(getBackend());
      const base = getBackend();
      setBackend(wrapped);
      const calls = name === 'infer' || name === 'step1' ? 2000 : name === 'sgemm' ? 3 : 50;
      const t = performance.now();
      for (let i = 0; i < calls; i++) w.step();
      out[`${name}Profile`] = formatProfile(stats, performance.now() - t, calls);
      setBackend(base);
    }
  }
  console.log(JSON.stringify(out));
}

await main();
