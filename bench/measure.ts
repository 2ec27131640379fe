/** Timing shared by the bench runners: warm-up excluded, median of repeats, each at least `minMs` long. */

export interface MeasureOptions {
  repeats: number;
  /** Warm-up calls (3) ... */
  warmup?: number;
  /**
   * ... running for at least this long (1500 ms), so JIT compilation is past and the allocator is in
   * its steady state: nabla's outputs are freed only when V8's GC finds them dead, so the C heap
   * grows (fresh pages, faulted in on first touch) until it holds a GC cycle's worth of buffers;
   * sgemm 1024 (1 thread) measured ~130 GFLOP/s over its first 100 calls and 177-181 after. torch_bench.py does the same.
   */
  warmupMs?: number;
  minMs?: number;
  minCalls?: number;
}

/** Items per wall-clock second, and per second of process CPU time (all threads). */
export interface Rates {
  wall: number;
  cpu: number;
}

/**
 * Median of `repeats` rates of `step`, each repeat running `step` for at least `minMs`. The CPU
 * rate is what a busy machine distorts least: for a single-threaded run it is the rate an idle
 * core would give.
 */
export async function medianRates(
  step: () => unknown | Promise<unknown>,
  items: number,
  o: MeasureOptions,
): Promise<Rates> {
  const warmStart = performance.now();
  for (let i = 0; i < (o.warmup ?? 3) || performance.now() - warmStart < (o.warmupMs ?? 1500); i++) await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    let n = 0;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    let elapsed = 0;
    do {
      await step();
      n++;
      elapsed = performance.now() - start;
    } while (elapsed < (o.minMs ?? 500) || n < (o.minCalls ?? 3));
    const used = process.cpuUsage(cpu0);
    wall.push((n * items) / (elapsed / 1000));
    cpu.push((n * items) / ((used.user + used.system) / 1e6));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Parses `--key value` pairs after the positional arguments. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
