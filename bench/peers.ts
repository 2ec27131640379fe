/** Finding and running the benchmark's peers and helpers: PyTorch (per BLAS, per thread count) and the FMA-peak probe. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Row = Record<string, number | string | boolean | string[] | undefined>;

const PYTHON = '/usr/bin/python3';

/** Runs a command that prints one JSON line last; returns it, or an error row. */
export function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 900_000): Row {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 24 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Row;
  } catch {
    return { error: `${cmd} ${args.join(' ')} failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  }
}

export function torchAvailable(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

/** OpenBLAS builds Debian installs side by side (pthread, openmp), as library folders for LD_LIBRARY_PATH. */
export function blasVariants(): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  for (const base of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu']) {
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base)) {
      if (d.startsWith('openblas-') && existsSync(join(base, d, 'libblas.so.3'))) out.push({ name: d, dir: join(base, d) });
    }
  }
  return out;
}

/** PyTorch at `threads` threads with the BLAS in `dir` (all threading knobs pinned to the same count). */
export function runTorch(threads: number, repeats: number, dir: string | null): Row {
  const n = String(threads);
  const env: NodeJS.ProcessEnv = { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  if (dir) env.LD_LIBRARY_PATH = dir;
  return runJson(PYTHON, [new URL('./torch_bench.py', import.meta.url).pathname, n, String(repeats)], env);
}

/** Register-only AVX2-FMA GFLOP/s at 1 and `cores` threads, or null where gcc or AVX2 is missing. */
export function fmaPeak(cores: number): { one: number; all: number } | null {
  const exe = join(tmpdir(), `nabla-fma-peak-${process.pid}`);
  try {
    execFileSync('gcc', ['-O2', '-mavx2', '-mfma', '-pthread', new URL('./fma-peak.c', import.meta.url).pathname, '-o', exe], { stdio: 'ignore' });
    const run = (t: number): number => Math.max(...[0, 1, 2].map(() => Number(execFileSync(exe, [String(t)], { encoding: 'utf8' }).trim())));
    return { one: run(1), all: run(cores) };
  } catch {
    return null;
  }
}
