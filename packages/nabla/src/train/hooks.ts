/** Generic callbacks for `fit`: an epoch-end hook with throughput, and checkpoints that resume bit-exactly. */
import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { defaultGenerator } from '../tensor/random.js';
import { EarlyStopping, type Callback, type EarlyStoppingState, type TrainingContext } from './callbacks.js';
import type { EpochLogs } from './history.js';

/** One finished epoch, as `EpochEndHook` reports it. */
export interface EpochSummary {
  /** 0-based, like `EpochLogs.epoch`. */
  epoch: number;
  logs: EpochLogs;
  /** Wall-clock seconds of the epoch: training and validation. */
  seconds: number;
  /** Training samples in the epoch. */
  samples: number;
  /** `samples / seconds`. */
  samplesPerSecond: number;
}

/**
 * Calls `fn` after every epoch with its logs, duration and throughput (what a log line, a
 * progress display or a live chart needs). `fn` may return a promise, which `fitAsync` awaits.
 * @example
 * const model = new nn.Linear(2, 1);
 * const log = new EpochEndHook((s) => console.log(`epoch ${s.epoch + 1}: loss ${s.logs.loss.toFixed(3)}, ${Math.round(s.samplesPerSecond)} samples/s`));
 * fit(model, [randn([64, 2]), randn([64, 1])], { loss: nn.functional.mseLoss, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 2, callbacks: [log] });
 */
export class EpochEndHook implements Callback {
  constructor(private readonly fn: (summary: EpochSummary, ctx: TrainingContext) => void | Promise<void>) {}

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainingContext): void | Promise<void> {
    const seconds = ctx.epochSeconds;
    const samples = ctx.epochSamples;
    return this.fn({ epoch, logs, seconds, samples, samplesPerSecond: samples / seconds }, ctx);
  }
}

/**
 * Everything besides the model's weights that a run needs to continue exactly where it was:
 * pass `epoch` as `initialEpoch`, `history` to a `History`, the generator states to
 * `setState`, `optimizer` to `loadStateDict`, `earlyStopping` to `EarlyStopping.loadStateDict`.
 */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  history: EpochLogs[];
  /** True when a callback asked to stop (so this is the run's last epoch). */
  stopped: boolean;
  /** State of the shuffling generator (`ctx.generator`). */
  generator: number[];
  /** State of the global generator (dropout, random augmentations draw from it). */
  globalGenerator: number[];
  /** The optimizer's `stateDict()`, when it has one. */
  optimizer: OptimizerStateDict | null;
  /** The first `EarlyStopping` callback's counters, when there is one. */
  earlyStopping: EarlyStoppingState | null;
}

/**
 * Hands `save` the model and a `TrainingState` after every `every`-th epoch (and after the
 * last one); `save` writes them wherever it likes (files, IndexedDB, memory). Put it after the
 * callbacks whose state it saves (`EarlyStopping`). The example checkpoints after epoch 2 and
 * resumes to epoch 4 with the same weights as an uninterrupted 4-epoch run.
 * @example
 * const data = [randn([32, 2]), randn([32, 1])];
 * manualSeed(0);
 * const model = new nn.Linear(2, 1);
 * const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
 * const generator = new Generator(1);
 * const saved: { state: TrainingState; weights: Record<string, Tensor> }[] = [];
 * const checkpoint = new Checkpoint((state, ctx) => void saved.push({ state, weights: ctx.model.stateDict() }));
 * fit(model, data, { loss: nn.functional.mseLoss, optimizer, generator, epochs: 2, callbacks: [checkpoint] });
 * // Later, in a fresh process with a new model, optimizer and generator:
 * const { state, weights } = saved[saved.length - 1];
 * model.loadStateDict(weights);
 * optimizer.loadStateDict(state.optimizer!);
 * generator.setState(state.generator);
 * defaultGenerator.setState(state.globalGenerator);
 * fit(model, data, { loss: nn.functional.mseLoss, optimizer, generator, epochs: 4, initialEpoch: state.epoch });
 */
export class Checkpoint implements Callback {
  private readonly every: number;

  constructor(
    private readonly save: (state: TrainingState, ctx: TrainingContext) => void | Promise<void>,
    options: { every?: number } = {},
  ) {
    checkOptions('Checkpoint', options, { every: true });
    this.every = options.every ?? 1;
    if (!(Number.isInteger(this.every) && this.every >= 1))
      throw new OptionError(`Checkpoint: every must be a positive integer, got ${options.every}`);
  }

  onEpochEnd(epoch: number, _logs: EpochLogs, ctx: TrainingContext): void | Promise<void> {
    const done = epoch + 1;
    if (done % this.every !== 0 && done < ctx.epochs && !ctx.stopRequested) return;
    const es = ctx.callbacks.find((cb): cb is EarlyStopping => cb instanceof EarlyStopping);
    return this.save(
      {
        epoch: done,
        history: ctx.history.epochs.map((e) => ({ ...e })),
        stopped: ctx.stopRequested,
        generator: ctx.generator.getState(),
        globalGenerator: defaultGenerator.getState(),
        optimizer: ctx.optimizer.stateDict?.() ?? null,
        earlyStopping: es ? es.stateDict() : null,
      },
      ctx,
    );
  }
}
