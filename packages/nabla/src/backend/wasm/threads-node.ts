/** Node's workers for the WASM thread pool; loaded only by a dynamic import, so browsers never see it. */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { WORKER_SOURCE, type SpawnWorker } from './pool.js';

const BOOT = `${WORKER_SOURCE}
const { parentPort, workerData } = require('node:worker_threads');
start(workerData, (msg) => parentPort.postMessage(msg));
`;

export const spawnWorker: SpawnWorker = (init) => new Promise((resolve, reject) => {
  const worker = new Worker(BOOT, { eval: true, workerData: init });
  worker.once('error', reject);
  worker.once('message', () => {
    // unref: idle kernel threads must not keep a finished script alive.
    worker.unref();
    resolve(worker);
  });
});

export function cores(): number {
  return availableParallelism();
}
