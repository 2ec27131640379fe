/**
 * Training in a browser: `await ready()` starts the WASM backend, then `fitAsync` trains a small
 * classifier while yielding to the event loop between batches, so the page keeps drawing and
 * answering input. The same module runs in a Web Worker (see worker.ts). Bundle it with any
 * bundler's defaults (esbuild, Vite): nothing Node-only is reachable from 'nabla'.
 * packages/app/test/browser/bundle.test.ts builds it both ways and trains it in Chromium.
 */
import { fitAsync, manualSeed, nn, optim, randn, ready } from 'nabla';

/** What one run reports: the backend, the loss of each epoch, accuracy on the training points. */
export interface TrainResult {
  backend: string;
  /** Threads of the WASM kernels (more than 1 only on a cross-origin-isolated page). */
  threads: number;
  losses: number[];
  accuracy: number;
}

/**
 * Two classes of 2-D points (same sign of x·y or not), an MLP 2-32-2, Adam, 15 epochs of 32-point
 * batches; `onEpoch` hears each epoch's loss as it ends.
 */
export async function train(onEpoch: (epoch: number, loss: number) => void = () => {}): Promise<TrainResult> {
  const { backend, threads } = await ready();
  manualSeed(0);
  const x = randn([512, 2]);
  const y = x.select(1, 0).mul(x.select(1, 1)).gt(0).to('int32');
  const model = new nn.Sequential(new nn.Linear(2, 32), new nn.Tanh(), new nn.Linear(32, 2));
  const history = await fitAsync(model, [x, y], {
    loss: new nn.CrossEntropyLoss(),
    optimizer: new optim.Adam(model.parameters(), { lr: 0.02 }),
    epochs: 15,
    batchSize: 32,
    metrics: ['accuracy'],
    yieldMs: 0,
    callbacks: [{ onEpochEnd: (epoch, logs) => onEpoch(epoch, logs.loss) }],
  });
  return { backend, threads, losses: history.loss, accuracy: history.get('accuracy').at(-1) ?? Number.NaN };
}
