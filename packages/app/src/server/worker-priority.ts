/**
 * Lowers the priority of the calling thread (Linux: nice is per thread, reached through
 * /proc/thread-self), so that on a machine with few cores the event loop, which answers health
 * checks and reads uploads, is scheduled ahead of decoding and inference. Imported first by
 * predict-worker.ts, so the threads the model's backend starts inherit it. Elsewhere, a no-op.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of worker threads (0 is normal, 19 the lowest priority). */
export const WORKER_NICE = 10;

try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICE);
} catch {
  // Not Linux, or not allowed: the threads keep the normal priority.
}
