/** The page: trains on the main thread; fitAsync yields between batches, so a timer keeps ticking (worker.ts: the same in a Web Worker). */
import { type TrainResult, train } from './train.js';

const log = (line: string): void => {
  const out = document.querySelector('#log');
  if (out) out.textContent += `${line}\n`;
};

/** Timer ticks while training on this thread: a frozen page would count none. */
async function onThisThread(): Promise<TrainResult & { ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const result = await train((epoch, loss) => log(`epoch ${epoch + 1}  loss ${loss.toFixed(4)}`));
  clearInterval(timer);
  return { ...result, ticks };
}

const page = globalThis as { trainResult?: unknown; trainError?: string };
onThisThread().then(
  (result) => {
    log(`${result.backend}: accuracy ${(result.accuracy * 100).toFixed(1)}%`);
    page.trainResult = result;
  },
  (e: Error) => {
    page.trainError = String(e.stack ?? e);
  },
);
