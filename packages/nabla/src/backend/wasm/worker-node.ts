/** Entry of a Node worker thread of the WASM pool (started by threads-node.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorker } from './worker.js';
import type { WorkerInit } from './pool.js';

const port = parentPort;
if (!port) throw new Error('wasm worker-node: must run in a worker thread');
runWorker(workerData as WorkerInit, (message) => port.postMessage(message));
