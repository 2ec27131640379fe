/**
 * Reuse of large freed buffers through the C allocator (Linux, glibc). Every op's output is a
 * fresh typed array; V8 takes its memory from calloc and frees it when the GC finds the tensor
 * dead. glibc's defaults hand freed large blocks back to the kernel (munmap, or trimming the heap
 * top past a few MiB), so the next output of that size is fresh pages, faulted in and zeroed on
 * first touch inside the GEMM: a 1024x1024 float32 product spent ~600 page faults and ~5 ms of
 * system time per call. Keeping freed memory in the heap lets calloc reuse it, and liveness
 * stays V8's to decide, so no buffer anything can still read is ever handed out again.
 * A JS-side pool cannot do this: FinalizationRegistry callbacks (and WeakRef clearing) wait for
 * a macrotask, which a synchronous training loop, or one awaiting only microtasks, never yields.
 */

import { setLargeArrayHook } from '../../tensor/dtype.js';
import type { CKernels } from './c-kernels.js';

type Fn = (...args: unknown[]) => unknown;
interface Lib {
  func(definition: string): Fn;
}
interface Koffi {
  load(path: string): Lib;
}

// mallopt parameters (glibc malloc.h).
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;

/** Blocks below this come from the heap, whose freed memory is reused (glibc's own cap for its dynamic threshold). */
export const MMAP_THRESHOLD_BYTES = 32 << 20;
/** Free memory at the heap's top kept for reuse before glibc returns it to the kernel: the bound on what is retained. */
export const TRIM_THRESHOLD_BYTES = 256 << 20;

/**
 * Sets glibc's thresholds so freed buffers up to 32 MiB stay in the process (at most 256 MiB
 * kept free at the heap top) for the next allocation of their size. Linux only; does nothing
 * when `NABLA_MALLOC=system`, or when libc or its `mallopt` does not load. Process-wide: it
 * changes how every large allocation of the process is served. Resolves to whether both took.
 * Called by `initNative` (internal: not part of the public API).
 */
export async function retainFreedMemory(): Promise<boolean> {
  if (process.platform !== 'linux' || process.env.NABLA_MALLOC === 'system') return false;
  try {
    const mod = (await import('koffi')) as unknown as { default?: Koffi } & Koffi;
    const koffi = mod.default ?? mod;
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int, int)');
    const mmap = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    const trim = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
    return mmap === 1 && trim === 1;
  } catch {
    return false; // no glibc (musl), or no koffi: the allocator keeps its defaults
  }
}

/**
 * Has every fresh array above the mmap threshold (a mapping of its own, see above) backed by huge
 * pages, advised before its first write (native/memory.c: a 50 MB activation faulted 12,800 times
 * in 4 KiB pages). Linux only, and not with `NABLA_MALLOC=system`; returns whether it took.
 * Called by `initNative` (internal).
 */
export function adviseHugePages(c: CKernels): boolean {
  if (process.platform !== 'linux' || process.env.NABLA_MALLOC === 'system') return false;
  const advise = c.fns.nabla_advise_huge;
  setLargeArrayHook(MMAP_THRESHOLD_BYTES, (data) => advise(data, data.byteLength));
  return true;
}
