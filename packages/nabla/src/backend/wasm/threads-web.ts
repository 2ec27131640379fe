/** Web Workers for the WASM thread pool (needs a cross-origin-isolated page for shared memory). */
import type { SpawnWorker } from './pool.js';
import { WORKER_READY } from './worker.js';

/**
 * A module worker running worker-web.js. The `new Worker(new URL(literal, import.meta.url))`
 * form is the one bundlers recognise and emit the worker for. Where the library is loaded from
 * another origin (a CDN), a worker cannot start from its URL directly, so a same-origin blob
 * module imports it instead (the CDN must send CORS headers, as it must for the library itself).
 */
function startWorker(): Worker {
  try {
    return new Worker(new URL('./worker-web.js', import.meta.url), { type: 'module' });
  } catch {
    const entry = new URL('./worker-web.js', import.meta.url).href;
    const url = URL.createObjectURL(new Blob([`import ${JSON.stringify(entry)};`], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' });
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return worker;
  }
}

export const spawnWorker: SpawnWorker = (init) =>
  new Promise((resolve, reject) => {
    const worker = startWorker();
    worker.onerror = (e) => reject(new Error(`wasm worker failed to start: ${e.message}`));
    worker.onmessage = (e: MessageEvent<unknown>) => {
      if (e.data !== WORKER_READY) return reject(new Error(`wasm worker: unexpected message ${String(e.data)}`));
      worker.onerror = null;
      worker.onmessage = null;
      resolve(worker);
    };
    worker.postMessage(init);
  });

export function cores(): number {
  return typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
}
