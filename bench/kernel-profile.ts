/**
 * Per-kernel time profile: wraps every kernel of a backend with a timer, so a workload's time
 * splits into kernels (by name and, for matmul, by shape) and "the rest" (op layer, autograd
 * bookkeeping, allocation, GC). Times are the calling thread's wall time, which is what a step
 * costs: process CPU time would charge a kernel with what worker threads spend spinning or
 * sleeping around it. Used by `npm run bench -- --profile`; on a busy machine, repeat it.
 */
import type { Backend } from 'nabla';

export interface KernelStat {
  calls: number;
  ms: number;
}

type AnyFn = (...args: never[]) => unknown;

/** `backend` with every kernel timed (wall ms on the calling thread) into `stats`. */
export function profiled(backend: Backend): { backend: Backend; stats: Map<string, KernelStat> } {
  const stats = new Map<string, KernelStat>();
  const wrap =
    (name: string, fn: AnyFn): AnyFn =>
    (...args: never[]) => {
      const t = performance.now();
      const r = fn(...args);
      const key = name === 'matmul' ? `matmul ${(args as unknown as number[]).slice(3, 9).join(',')}` : name;
      const s = stats.get(key) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += performance.now() - t;
      stats.set(key, s);
      return r;
    };
  const out: Record<string, unknown> = { name: `${backend.name}+profile` };
  for (const [k, v] of Object.entries(backend)) {
    if (typeof v === 'function') out[k] = wrap(k, v as AnyFn);
    else if (v && typeof v === 'object') {
      const table: Record<string, AnyFn> = {};
      for (const [op, f] of Object.entries(v as Record<string, AnyFn>)) table[op] = wrap(`${k}.${op}`, f);
      out[k] = table;
    }
  }
  return { backend: out as unknown as Backend, stats };
}

/** The 14 costliest kernels per step, then kernels vs everything else, from `totalMs` of wall time over `steps`. */
export function formatProfile(stats: Map<string, KernelStat>, totalMs: number, steps: number): string {
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((s, [, v]) => s + v.ms, 0);
  const lines = rows
    .slice(0, 14)
    .map(
      ([k, v]) =>
        `  ${(v.ms / steps).toFixed(3).padStart(8)} ms/step  ${String(v.calls / steps).padStart(5)} calls  ${k}`,
    );
  lines.push(
    `  ${(kernelMs / steps).toFixed(3).padStart(8)} ms/step in kernels, ${((totalMs - kernelMs) / steps).toFixed(3)} outside (ops, autograd, optimizer, allocation, GC) of ${(totalMs / steps).toFixed(3)}`,
  );
  return lines.join('\n');
}
