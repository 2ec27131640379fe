/** Terminal output of `nabla train`: a live bar per epoch (on a TTY) and one summary line per epoch. */
import { SingleBar } from 'cli-progress';
import type { EpochRecord, TrainHooks, TrainState } from './trainer.js';

const fmt = (v: number | null, d = 4) => (v === null ? '-' : v.toFixed(d));

/** The per-epoch summary line printed to stdout. */
export function summaryLine(r: EpochRecord, epochs: number): string {
  const val = r.valLoss === null ? '' : `  val_loss ${fmt(r.valLoss)}  val_acc ${fmt(r.valAccuracy)}`;
  return `epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}  loss ${fmt(r.loss)}  acc ${fmt(r.accuracy)}${val}  ${Math.round(r.samplesPerSecond)} samples/s  ${r.seconds.toFixed(2)}s`;
}

/**
 * Hooks that draw a progress bar on stderr (only when it is a terminal, so logs and tests see
 * only the summary lines) and print the summary line after each epoch.
 */
export function progressHooks(startEpoch: number, epochs: number, batchSize: number, print: (line: string) => void, extra: TrainHooks = {}): TrainHooks {
  const tty = Boolean(process.stderr.isTTY);
  let bar: SingleBar | null = null;
  let started = startEpoch;
  let epochStarted = 0;
  return {
    onBatch(done, total, loss, accuracy) {
      if (done === 1) {
        epochStarted = performance.now();
        if (tty) {
          bar = new SingleBar({
            format: `epoch ${started + 1}/${epochs} [{bar}] {percentage}% | loss {loss} | acc {acc} | {speed} samples/s | ETA {eta_formatted}`,
            barsize: 24, hideCursor: true, clearOnComplete: true, stream: process.stderr,
          });
          bar.start(total, 0, { loss: '-', acc: '-', speed: '-' });
        }
      }
      const seconds = (performance.now() - epochStarted) / 1000;
      bar?.update(done, { loss: loss.toFixed(4), acc: accuracy.toFixed(3), speed: seconds > 0 ? Math.round((done * batchSize) / seconds) : '-' });
      extra.onBatch?.(done, total, loss, accuracy);
    },
    onEpoch(record: EpochRecord, state: TrainState) {
      bar?.stop();
      bar = null;
      started = record.epoch;
      print(summaryLine(record, epochs));
      extra.onEpoch?.(record, state);
    },
  };
}
