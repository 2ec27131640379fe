/** Terminal output of `nabla train`: a live bar per epoch (on a TTY) and one summary line per epoch. */
import { SingleBar } from 'cli-progress';
import type { BatchLogs, Callback, EpochLogs, TrainingContext } from 'nabla';
import { epochRecord, EpochMeans, type EpochRecord } from './trainer.js';

const fmt = (v: number | null, d = 4) => (v === null ? '-' : v.toFixed(d));

/** The per-epoch summary line printed to stdout (with `--plasticity`: dead units and effective rank per hidden layer). */
export function summaryLine(r: EpochRecord, epochs: number): string {
  const val = r.valLoss === null ? '' : `  val_loss ${fmt(r.valLoss)}  val_acc ${fmt(r.valAccuracy)}`;
  const p = r.plasticity;
  const diagnostics = p
    ? `  dead ${p.deadFraction.map((v) => `${(v * 100).toFixed(1)}%`).join('/')}  eff_rank ${p.effectiveRank.map((v) => v.toFixed(1)).join('/')}`
    : '';
  return `epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}  loss ${fmt(r.loss)}  acc ${fmt(r.accuracy)}${val}  ${Math.round(r.samplesPerSecond)} samples/s  ${r.seconds.toFixed(2)}s${diagnostics}`;
}

/**
 * A `fit` callback that draws a progress bar on stderr (only when it is a terminal, so logs
 * and tests see only the summary lines) and prints the summary line after each epoch.
 */
export class ProgressBar implements Callback {
  private bar: SingleBar | null = null;
  private readonly means = new EpochMeans();

  constructor(
    private readonly print: (line: string) => void,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  onEpochBegin(epoch: number, ctx: TrainingContext): void {
    this.means.reset();
    if (!this.tty) return;
    this.bar = new SingleBar({
      format: `epoch ${epoch + 1}/${ctx.epochs} [{bar}] {percentage}% | loss {loss} | acc {acc} | {speed} samples/s | ETA {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    });
    this.bar.start(ctx.batchesPerEpoch, 0, { loss: '-', acc: '-', speed: '-' });
  }

  onBatchEnd(batch: number, logs: BatchLogs, ctx: TrainingContext): void {
    const { loss, accuracy } = this.means.add(logs);
    const seconds = ctx.epochSeconds;
    this.bar?.update(batch + 1, {
      loss: loss.toFixed(4),
      acc: accuracy.toFixed(3),
      speed: seconds > 0 ? Math.round(ctx.epochSamples / seconds) : '-',
    });
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainingContext): void {
    this.bar?.stop();
    this.bar = null;
    this.print(summaryLine(epochRecord(epoch, logs, ctx), ctx.epochs));
  }
}
