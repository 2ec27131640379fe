/**
 * "Too large" checks made before allocating: a model or image size that cannot fit in memory
 * gets a message naming the option and the sizes, instead of V8's "Invalid typed array length"
 * or "Array buffer allocation failed" from deep inside a layer.
 */
import { totalmem } from 'node:os';

/** The most elements one typed array may hold here (V8's limit for a float32 array is near 2^32; stay at int32 indexing). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** `1.6 TB`, `23 GB`, `512 MB`: a byte count for messages. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) {
    bytes /= 1000;
    i++;
  }
  return `${i === 0 ? bytes : bytes.toPrecision(bytes >= 100 ? 3 : 2)} ${units[i]}`;
}

/** The memory this process may use: the machine's, or a container's (cgroup) limit when lower. */
function availableMemory(): number {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return limit && limit > 0 ? Math.min(limit, totalmem()) : totalmem();
}

/** Throws `"<what> is too large: <needs> …"` when `bytes` exceed the memory this process may use. */
export function checkFitsInMemory(what: string, bytes: number, needs: string): void {
  const memory = availableMemory();
  if (bytes > memory)
    throw new Error(
      `${what} is too large: ${needs} need about ${formatBytes(bytes)}, but this machine has ${formatBytes(memory)} of memory`,
    );
}

/** Runs `build`, turning V8's allocation failures into a "too large" message naming `what`. */
export function allocating<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (
      e instanceof RangeError &&
      /typed array length|Array buffer allocation failed|Invalid array length/i.test(e.message)
    )
      throw new Error(`${what} is too large to allocate (${e.message})`);
    throw e;
  }
}
