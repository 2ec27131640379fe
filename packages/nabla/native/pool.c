/*
 * The compiled kernels' thread pool, and GEMMs split over it.
 *
 * Why nabla has its own pool: with the BLAS threading its GEMMs and nabla's kernels on one
 * thread, a training step had two thread pools and V8's GC threads sharing the cores. On a 2-core
 * machine OpenBLAS's second thread, yielding between GEMMs, was often not on a core when the next
 * GEMM came, and the GEMM waited for it (the main thread spent half its samples in sched_yield):
 * the MLP ran no faster on 2 threads than on 1. Here one pool serves both, the BLAS runs at one
 * thread inside each block, and blocks are claimed one at a time, so a late worker's share is
 * taken by whoever is free instead of being waited for.
 *
 * A worker spins (with the CPU's pause hint) for a while after its last block, since a training
 * step's next parallel kernel usually follows within microseconds, then sleeps on a condition
 * variable until the next job.
 */
#define _GNU_SOURCE
#include "pool.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#elif defined(__aarch64__)
#define RELAX() __asm__ __volatile__("yield")
#else
#define RELAX() ((void)0)
#endif

enum { MAX_THREADS = 64 };

/* How long an idle worker spins before it sleeps. A training step's kernels come microseconds
 * apart; between steps (data loading, logging) the workers sleep. MLP and LeNet-5 training on 2
 * threads ran best at 200 µs of 50, 200 and 1000 (two rounds each, bench models, 2-core EPYC). */
static const int64_t spin_ns = 200 * 1000;

/* The current job. `ticket` holds the job's generation (high 32 bits) and the next unclaimed part
 * (low 32 bits): a worker claims a part with a compare-and-swap that fails once the generation
 * moved on, so a worker that wakes late can never run a part of a job that is over. `fn` and
 * `ctx` are read only after a successful claim: the caller cannot finish the job (and write the
 * next one) before that claimed part is done. */
static struct {
  _Atomic uint64_t ticket;
  atomic_llong parts;
  atomic_llong done;
  nabla_task fn;
  void *ctx;
} job;

static atomic_uint generation; /* the job workers should look at; bumped once per job */
static atomic_int sleepers;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static atomic_int threads = 1;   /* the caller and threads-1 workers take part in a job */
static int started = 0;          /* workers running (they are never stopped, only idle) */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
/* Held by the thread whose job the pool runs. The library is one per process, and each of Node's
 * worker_threads that starts the native backend calls in on its own thread (a server's inference
 * workers): a second caller, or a part that itself calls a parallel kernel, runs its parts alone. */
static atomic_flag busy = ATOMIC_FLAG_INIT;
static atomic_int active = 1;    /* workers with an index below active-1 take part */
static pthread_t workers[MAX_THREADS];

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Claims and runs parts of generation `gen` until none is left. */
static void run_parts(uint32_t gen) {
  for (;;) {
    uint64_t t = atomic_load_explicit(&job.ticket, memory_order_acquire);
    if ((uint32_t)(t >> 32) != gen) return;
    /* Another job's count when the generation has moved on since: the claim below then fails. */
    const int64_t part = (int64_t)(uint32_t)t;
    if (part >= atomic_load_explicit(&job.parts, memory_order_relaxed)) return;
    if (!atomic_compare_exchange_weak_explicit(&job.ticket, &t, t + 1, memory_order_acq_rel, memory_order_relaxed))
      continue;
    job.fn(job.ctx, part);
    atomic_fetch_add_explicit(&job.done, 1, memory_order_release);
  }
}

static void *worker_main(void *arg) {
  const int index = (int)(intptr_t)arg;
  uint32_t seen = atomic_load(&generation);
  for (;;) {
    uint32_t gen = atomic_load_explicit(&generation, memory_order_acquire);
    if (gen == seen) {
      const int64_t until = now_ns() + spin_ns;
      for (int i = 0; gen == seen; i++) {
        RELAX();
        gen = atomic_load_explicit(&generation, memory_order_acquire);
        if ((i & 255) == 255 && now_ns() > until) break;
      }
    }
    if (gen == seen) {
      pthread_mutex_lock(&sleep_lock);
      atomic_fetch_add(&sleepers, 1);
      while ((gen = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &sleep_lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&sleep_lock);
    }
    seen = gen;
    if (index < atomic_load(&active) - 1) run_parts(gen);
  }
  return NULL;
}

int nabla_threads(void) { return atomic_load(&threads); }

/* Keeps this library mapped for the rest of the process once it has threads. Each of Node's
 * worker_threads loads it through its own FFI handle and closes that handle when it exits: when
 * the last one goes, dlclose would unmap the code and state that idle workers sleep in, and a later
 * load maps a fresh copy over the old one's addresses (a broadcast then hung on the old sleepers'
 * condition variable, about one run in three). A reference that is never closed, with NODELETE,
 * pins it; returns 0 when it could not. */
static int pin_library(void) {
  Dl_info self;
  if (!dladdr((void *)pin_library, &self) || !self.dli_fname) return 0;
  return dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) != NULL;
}

/** Sets the threads parallel loops use (the caller's included), starting workers as needed; returns the count in effect. */
int nabla_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&start_lock);
  /* No worker without the pin: one running in unmapped code would crash the process. */
  if (started == 0 && n > 1 && !pin_library()) n = 1;
  while (started < n - 1) {
    if (pthread_create(&workers[started], NULL, worker_main, (void *)(intptr_t)started) != 0) break;
    pthread_detach(workers[started]);
    started++;
  }
  const int count = started + 1 < n ? started + 1 : n;
  atomic_store(&threads, count);
  atomic_store(&active, count);
  pthread_mutex_unlock(&start_lock);
  return count;
}

void nabla_parallel(int64_t parts, nabla_task fn, void *ctx) {
  if (atomic_load(&threads) == 1 || parts <= 1 || atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) {
    for (int64_t p = 0; p < parts; p++) fn(ctx, p);
    return;
  }
  const uint32_t gen = atomic_load(&generation) + 1;
  atomic_store_explicit(&job.parts, parts, memory_order_relaxed);
  job.fn = fn;
  job.ctx = ctx;
  atomic_store_explicit(&job.done, 0, memory_order_relaxed);
  atomic_store_explicit(&job.ticket, (uint64_t)gen << 32, memory_order_release);
  /* Sequentially consistent, as the workers' count of sleepers and their re-read of the
   * generation are: with a release store the load of `sleepers` below could pass it (x86 store
   * buffer), read 0 while a worker counts itself and reads the old generation, and that worker
   * would sleep through the job. */
  atomic_store(&generation, gen);
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);
  }
  run_parts(gen);
  while (atomic_load_explicit(&job.done, memory_order_acquire) < parts) RELAX();
  atomic_flag_clear_explicit(&busy, memory_order_release);
}

/* ---- GEMMs split over the pool ------------------------------------------------------------- */

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *,
                         int);
static sgemm_fn blas_sgemm;

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

/** Finds cblas_sgemm in the BLAS already loaded from `path`; returns 1 when found. */
int nabla_set_blas(const char *path) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  blas_sgemm = lib ? (sgemm_fn)dlsym(lib, "cblas_sgemm") : NULL;
  return blas_sgemm != NULL;
}

int nabla_has_blas(void) { return blas_sgemm != NULL; }

void nabla_sgemm_here(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc) {
  blas_sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c,
             ldc);
}

/* Below this many multiply-adds a GEMM runs whole on the calling thread: handing half of it to a
 * worker costs about a microsecond. */
static const int64_t PARALLEL_GEMM_MACS = 1 << 18;

typedef struct {
  int trans_a, trans_b, m, n, k, lda, ldb, ldc, by_rows;
  float alpha, beta;
  const float *a, *b;
  float *c;
  int64_t parts;
} gemm_job;

/* A multiple of 16 (a 64-byte line of floats) at about part/parts of `size`. */
static int split_at(int size, int64_t part, int64_t parts) {
  const int64_t at = ((int64_t)size * part / parts + 8) / 16 * 16;
  return part == 0 ? 0 : part == parts ? size : (int)(at < size ? at : size);
}

static void gemm_part(void *ctx, int64_t part) {
  const gemm_job *g = ctx;
  const int lo = split_at(g->by_rows ? g->m : g->n, part, g->parts);
  const int hi = split_at(g->by_rows ? g->m : g->n, part + 1, g->parts);
  if (hi <= lo) return;
  const int ta = g->trans_a ? TRANS : NO_TRANS, tb = g->trans_b ? TRANS : NO_TRANS;
  if (g->by_rows) {
    /* Rows lo..hi of op(A) and of C: op(A)'s row i is A's row i, or A's column i when transposed. */
    const float *a = g->trans_a ? g->a + lo : g->a + (int64_t)lo * g->lda;
    blas_sgemm(ROW_MAJOR, ta, tb, hi - lo, g->n, g->k, g->alpha, a, g->lda, g->b, g->ldb, g->beta,
               g->c + (int64_t)lo * g->ldc, g->ldc);
  } else {
    const float *b = g->trans_b ? g->b + (int64_t)lo * g->ldb : g->b + lo;
    blas_sgemm(ROW_MAJOR, ta, tb, g->m, hi - lo, g->k, g->alpha, g->a, g->lda, b, g->ldb, g->beta, g->c + lo, g->ldc);
  }
}

/** Row-major C = alpha·op(A)·op(B) + beta·C on the BLAS, split into one block of C's rows or columns per thread. */
void nabla_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                 int ldb, float beta, float *c, int ldc) {
  const int ta = trans_a ? TRANS : NO_TRANS, tb = trans_b ? TRANS : NO_TRANS;
  const int threads_now = atomic_load(&threads);
  if (threads_now == 1 || (int64_t)m * n * k < PARALLEL_GEMM_MACS) {
    blas_sgemm(ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  /* Blocks of C's rows when each keeps at least 64 of them, else of its columns when C is wider.
   * Alternating both in a C loop (2 threads, OpenBLAS at 1 thread a block), row blocks were faster
   * for every shape with that many rows, though each block packs the whole of B: 256x512x128 with
   * A transposed 351 against 210 GFLOP/s, 512x784x128 380 against 262, 128x256x512 313 against
   * 266, 1024^3 364 against 334. With 32 rows a block, columns won (64x512x784: 251 against 196). */
  const int by_rows = m >= 64 * threads_now || m > n;
  const int side = by_rows ? m : n;
  int64_t parts = threads_now;
  if (parts > side / 16) parts = side / 16 > 1 ? side / 16 : 1;
  gemm_job g = {trans_a, trans_b, m, n, k, lda, ldb, ldc, by_rows, alpha, beta, a, b, c, parts};
  nabla_parallel(parts, gemm_part, &g);
}
