import type { WasmHeap } from './heap.js';
import { F, JOB_BASE, KIND } from './layout.js';

/** What a worker needs to join: the compiled module, the shared memory, its thread id. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  job: number;
  tid: number;
  spin: number;
}

/** A started worker as the pool sees it; Node and browsers provide their own. */
export interface WorkerHandle {
  terminate(): void;
}

/** Starts one worker running worker.ts's `runWorker(init, post)` and resolves once it is waiting. */
export type SpawnWorker = (init: WorkerInit) => Promise<WorkerHandle>;

/**
 * Runs jobs on the calling thread plus `workers.length` workers over one shared memory. The
 * calling thread plans the job, wakes the workers, takes chunks itself and returns once every
 * chunk is done, so kernels stay synchronous. A worker that wakes late finds the job over and
 * takes nothing, so the next job never waits for it.
 */
export class ThreadPool {
  private canBlock = true;
  private generation = 0;

  constructor(
    private readonly heap: WasmHeap,
    private readonly workers: WorkerHandle[],
    private readonly planJob: (job: number, tag: number) => void,
    private readonly runJob: (job: number, tid: number, tag: number) => void,
  ) {}

  /** The job words; re-read each time because a private memory's view changes when it grows. */
  private get ctl(): Int32Array {
    return this.heap.job;
  }

  /** Threads available to a job, the caller included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Runs the job already written at JOB_BASE (all fields but the scheduling ones) on up to `threads` threads. */
  run(threads: number): void {
    const ctl = this.ctl;
    const helpers = Math.min(threads, this.size) - 1;
    const tag = (this.generation = (this.generation + 1) | 0);
    Atomics.store(ctl, F.threads, helpers + 1);
    this.planJob(JOB_BASE, tag);
    if (helpers > 0) {
      Atomics.store(ctl, F.gen, tag);
      Atomics.notify(ctl, F.gen);
    }
    this.runJob(JOB_BASE, 0, tag);
    if (helpers > 0) {
      const total = ctl[F.total];
      this.waitFor(F.done, (v) => v >= total);
    }
  }

  /** Spins briefly, then blocks (where allowed) until word `at` satisfies `ok`. */
  private waitFor(at: number, ok: (v: number) => boolean): void {
    const ctl = this.ctl;
    for (let spins = 0; ; spins++) {
      const v = Atomics.load(ctl, at);
      if (ok(v)) return;
      if (spins < 2000 || !this.canBlock) continue;
      try {
        Atomics.wait(ctl, at, v, 50);
      } catch {
        // A browser main thread may not block; spinning is the only way to wait there.
        this.canBlock = false;
      }
    }
  }

  /** Stops every worker. */
  close(): void {
    if (this.workers.length > 0) {
      Atomics.store(this.ctl, F.kind, KIND.exit);
      Atomics.store(this.ctl, F.gen, (this.generation = (this.generation + 1) | 0));
      Atomics.notify(this.ctl, F.gen);
    }
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
