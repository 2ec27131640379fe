/** Web Workers for the WASM thread pool (needs a cross-origin-isolated page for shared memory). */
import { WORKER_SOURCE, type SpawnWorker } from './pool.js';

const BOOT = `${WORKER_SOURCE}
self.onmessage = (e) => start(e.data, (msg) => self.postMessage(msg));
`;

export const spawnWorker: SpawnWorker = (init) => new Promise((resolve, reject) => {
  const url = URL.createObjectURL(new Blob([BOOT], { type: 'text/javascript' }));
  const worker = new Worker(url);
  worker.onerror = (e) => reject(new Error(`wasm worker failed to start: ${e.message}`));
  worker.onmessage = () => {
    URL.revokeObjectURL(url);
    resolve(worker);
  };
  worker.postMessage(init);
});

export function cores(): number {
  return typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
}
