/** Entry of a browser Web Worker of the WASM pool (started by threads-web.ts as a module worker). */
import { runWorker } from './worker.js';
import type { WorkerInit } from './pool.js';

/** The part of a dedicated worker's global scope used here (the DOM lib types `self` as a Window). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerInit>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as WorkerScope;
scope.onmessage = (event) => {
  scope.onmessage = null;
  runWorker(event.data, (message) => scope.postMessage(message));
};
