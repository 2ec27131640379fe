/** Timing shared by the bench runners: warm-up excluded, median of repeats, each at least `minMs` long. */

export interface MeasureOptions {
  repeats: number;
  warmup?: number;
  minMs?: number;
  minCalls?: number;
}

/** Median of `repeats` rates (items per second) of `step`, each repeat running `step` for at least `minMs`. */
export async function medianRate(step: () => unknown | Promise<unknown>, items: number, o: MeasureOptions): Promise<number> {
  for (let i = 0; i < (o.warmup ?? 3); i++) await step();
  const rates: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      await step();
      n++;
      elapsed = performance.now() - start;
    } while (elapsed < (o.minMs ?? 500) || n < (o.minCalls ?? 3));
    rates.push((n * items) / (elapsed / 1000));
  }
  return median(rates);
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
