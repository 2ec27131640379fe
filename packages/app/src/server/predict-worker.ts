/**
 * A worker thread of `nabla serve`'s pool (worker-pool.ts): loads the model once, then answers
 * predict tasks, so decoding and inference never hold the event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openModel } from '../cli/use-commands.js';
import { type PredictTask, runPredictTask, type TaskLimits } from './predict-task.js';
import type { TaskReply, WorkerMessage } from './worker-pool.js';

const { modelDir, limits } = workerData as { modelDir: string; limits: TaskLimits };
const port = parentPort;
if (!port) throw new Error('predict-worker.ts runs as a worker thread of nabla serve');

try {
  const model = openModel(modelDir);
  port.on('message', ({ id, task }: { id: number; task: PredictTask }) => {
    let reply: TaskReply;
    try {
      reply = { id, status: 200, body: runPredictTask(model, task, limits) };
    } catch (e) {
      const err = e as Error & { statusCode?: number };
      const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
      reply = { id, status, error: err.message ?? String(e), stack: status >= 500 ? err.stack : undefined };
    }
    // The request's bytes are parsed or decoded by now: their memory goes back for the next body.
    const bytes = task.kind === 'rows' ? task.body : task.bytes;
    if (bytes.byteOffset === 0 && bytes.buffer instanceof ArrayBuffer) {
      reply.memory = bytes.buffer;
      port.postMessage(reply, [bytes.buffer]);
    } else port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies WorkerMessage);
} catch (e) {
  port.postMessage({ ready: false, error: (e as Error).message } satisfies WorkerMessage);
}
