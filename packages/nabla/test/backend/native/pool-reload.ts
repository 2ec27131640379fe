// A child process for pool.test.ts: worker threads start the native backend one after another,
// each splitting kernels over the pool at 2 threads and then exiting, so the kernels library is
// loaded again after the last handle to the previous load was closed. Prints how many results
// were wrong; a library unmapped under its sleeping workers hangs or crashes instead.
import { Worker } from 'node:worker_threads';

const caller = JSON.stringify(new URL('./pool-caller.ts', import.meta.url).href);
// Worker threads do not inherit tsx's loader: the worker registers it, then loads the caller.
const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${caller}); })`;
let wrong = 0;
for (let i = 0; i < 5; i++) {
  wrong += await new Promise<number>((resolve, reject) => {
    const w = new Worker(boot, { eval: true });
    let posted = Number.NaN; // a worker that exits without reporting fails the count
    w.once('message', (m: number) => {
      posted = m;
    });
    w.once('error', reject);
    w.once('exit', () => resolve(posted));
  });
}
console.log(`wrong ${wrong}`);
