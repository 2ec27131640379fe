/*
 * Huge pages for large arrays. An array above glibc's mmap threshold (32 MiB as malloc.ts sets it)
 * is a fresh mapping each time, and every 4 KiB page of it faults on first touch: on the 2-core VM
 * a 50 MB activation (a 500-image batch through a 32-channel 28x28 layer) spent most of its ReLU
 * and batch norm in page faults. Advised before the first write, the kernel backs it with 2 MiB
 * pages instead, one fault each (the Fashion-MNIST CNN's 500-image test batch: 222 -> 99 ms).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>

/** Asks for huge pages under the whole 2 MiB pages inside [p, p + bytes); returns madvise's result, or -1 where unsupported. */
int nabla_advise_huge(void *p, int64_t bytes) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  const uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
  const uintptr_t hi = ((uintptr_t)p + (uintptr_t)bytes) & ~(huge - 1);
  return hi > lo ? madvise((void *)lo, hi - lo, MADV_HUGEPAGE) : 0;
#else
  (void)p;
  (void)bytes;
  return -1;
#endif
}
