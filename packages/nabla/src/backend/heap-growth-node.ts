/**
 * V8's heap growth for a Node process that trains (Node-only: `nabla/node` applies it on import).
 *
 * V8 starts incremental marking once the old generation's limit, less the JS heap and the
 * array-buffer memory allocated since the last full GC, leaves no more than the new space's
 * capacity (`Heap::IncrementalMarkingLimitReached`). A training step allocates tens of MiB of typed
 * arrays and little else on the JS heap: with the limit a full GC sets over a ~13 MB heap (traced:
 * 12 MB of a 28 MB limit, with 16 MB of new space), the ~30 MB of array buffers that pile up
 * between scavenges crossed it again at once, giving about 20 mark-compacts a second whose marking
 * threads took 0.3–0.5 of a core from the kernels. A growing factor of 4, the largest V8 itself
 * uses, leaves room for that churn (LeNet-5 training on 2 threads: 19.2–25.8k samples/s, against
 * 14.3–17.9k with V8's own growth). The JS heap may then grow to about 4× its live size between
 * full GCs (for a training process, tens of MB).
 */
import { setFlagsFromString } from 'node:v8';

/** V8's `--heap-growing-percent`: a growing factor of 1 + 300/100 = 4. */
export const HEAP_GROWING_PERCENT = 300;

/**
 * The V8 flag `nabla/node` sets, or null when it sets none: `NABLA_GC=v8` keeps V8's own policy,
 * and a `--heap-growing-percent` the process was started with (command line or NODE_OPTIONS) wins.
 * Throws on any other value of NABLA_GC.
 */
export function heapGrowthFlag(
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const gc = env.NABLA_GC;
  if (gc !== undefined && gc !== '' && gc !== 'v8')
    throw new Error(`nabla: NABLA_GC must be 'v8' (keep V8's heap growth) or unset, got '${gc}'`);
  if (gc === 'v8') return null;
  if ([...execArgv, env.NODE_OPTIONS ?? ''].some((arg) => /heap[-_]growing[-_]percent/.test(arg))) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Sets the flag for the whole process (V8 flags are process-wide); returns it, or null when none was set. */
export function widenHeapGrowth(): string | null {
  const flag = heapGrowthFlag(process.execArgv, process.env);
  if (flag) setFlagsFromString(flag);
  return flag;
}
