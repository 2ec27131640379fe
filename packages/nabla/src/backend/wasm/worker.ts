/**
 * What every WASM worker thread runs, in Node (worker-node.ts) and browsers (worker-web.ts):
 * instantiate the shared module, then sleep on the job generation word; on a new generation take
 * chunks of that job (tagged with the generation) until none is left, and wake the caller waiting
 * on `done`. A short spin before sleeping keeps back-to-back kernels from paying a futex wake-up
 * each. Imports only the layout, so a worker starts without loading the library.
 */
import { F, KIND } from './layout.js';
import type { WorkerInit } from './pool.js';

/** The one message a worker sends: it has instantiated the module and waits for jobs. */
export const WORKER_READY = 'ready';

interface JobExports {
  runJob(job: number, tid: number, tag: number): void;
}

/** Joins the pool described by `init`; returns only when the pool posts an exit job. */
export function runWorker(init: WorkerInit, post: (message: typeof WORKER_READY) => void): void {
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const { runJob } = instance.exports as unknown as JobExports;
  const ctl = new Int32Array(init.memory.buffer, init.job, F.slices + 1);
  let gen = Atomics.load(ctl, F.gen);
  post(WORKER_READY);
  for (;;) {
    let g = Atomics.load(ctl, F.gen);
    for (let s = 0; s < init.spin && g === gen; s++) g = Atomics.load(ctl, F.gen);
    if (g === gen) {
      Atomics.wait(ctl, F.gen, gen);
      continue;
    }
    gen = g;
    if (Atomics.load(ctl, F.kind) === KIND.exit) return;
    if (init.tid < Atomics.load(ctl, F.threads)) {
      runJob(init.job, init.tid, gen);
      Atomics.notify(ctl, F.done);
    }
  }
}
