/** Finding and running the benchmark's peers and helpers: PyTorch (per BLAS, per thread count) and the FMA-peak probe. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Row = Record<string, number | string | boolean | string[] | undefined>;

export const PYTHON = '/usr/bin/python3';

/**
 * Variables that make OpenBLAS pick a kernel other than the one it detects (a machine may set
 * OPENBLAS_CORETYPE=Haswell on a newer core). Every child the bench starts, PyTorch and nabla
 * alike, runs without them, so each BLAS uses its best kernel for this CPU.
 */
export const UNSET_BLAS_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** The children's environment: ours plus `extra`, minus UNSET_BLAS_ENV. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of UNSET_BLAS_ENV) delete env[k];
  return env;
}

/** Runs a command that prints one JSON line last; returns it, or an error row. */
export function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 900_000): Row {
  const r = spawnSync(cmd, args, { env: childEnv(env), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 24 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Row;
  } catch {
    return {
      error: `${cmd} ${args.join(' ')} failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`,
    };
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
      if (d.startsWith('openblas-') && existsSync(join(base, d, 'libblas.so.3')))
        out.push({ name: d, dir: join(base, d) });
    }
  }
  return out;
}

/** PyTorch at `threads` threads with the BLAS in `dir` (all threading knobs pinned to the same count). */
export function runTorch(threads: number, repeats: number, dir: string | null, workloads: string[] = []): Row {
  const n = String(threads);
  const env: NodeJS.ProcessEnv = { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  if (dir) env.LD_LIBRARY_PATH = dir;
  return runJson(
    PYTHON,
    [new URL('./torch_bench.py', import.meta.url).pathname, n, String(repeats), ...workloads],
    env,
  );
}

/** Register-only AVX2-FMA GFLOP/s at 1 and `cores` threads, or null where gcc or AVX2 is missing. */
export function fmaPeak(cores: number): { one: number; all: number } | null {
  const exe = join(tmpdir(), `nabla-fma-peak-${process.pid}`);
  try {
    execFileSync(
      'gcc',
      ['-O2', '-mavx2', '-mfma', '-pthread', new URL('./fma-peak.c', import.meta.url).pathname, '-o', exe],
      { stdio: 'ignore' },
    );
    const run = (t: number): number =>
      Math.max(...[0, 1, 2].map(() => Number(execFileSync(exe, [String(t)], { encoding: 'utf8' }).trim())));
    return { one: run(1), all: run(cores) };
  } catch {
    return null;
  }
}
