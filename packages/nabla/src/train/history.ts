/**
 * What one epoch produced: `epoch` (0-based), `loss` (mean training loss), `valLoss` when there is
 * validation data, each metric under its name (`accuracy`) and with a `val` prefix
 * (`valAccuracy`), and `lr` (the first parameter group's learning rate during the epoch).
 */
export type EpochLogs = { epoch: number; loss: number } & Record<string, number>;

/** The `val…` name of a quantity, e.g. `valName('accuracy') === 'valAccuracy'`. */
export function valName(name: string): string {
  return `val${name[0].toUpperCase()}${name.slice(1)}`;
}

/**
 * The record of a `fit` run: one `EpochLogs` per epoch, plus series by name.
 * @example
 * const history = fit(model, [x, y], { ... });
 * history.loss;               // training loss per epoch
 * history.get('valAccuracy'); // validation accuracy per epoch
 */
export class History {
  readonly epochs: EpochLogs[] = [];
  /** Epoch whose weights were kept by early stopping, if it ran. */
  bestEpoch: number | null = null;
  /** Epoch after which training was stopped early (by early stopping or a callback), else null. */
  stoppedEpoch: number | null = null;

  /** One quantity per epoch (NaN where an epoch lacks it). */
  get(name: string): number[] {
    return this.epochs.map((e) => e[name] ?? Number.NaN);
  }

  get loss(): number[] {
    return this.get('loss');
  }

  get valLoss(): number[] {
    return this.get('valLoss');
  }

  /** Names of the quantities logged. */
  keys(): string[] {
    return [...new Set(this.epochs.flatMap((e) => Object.keys(e)))];
  }
}
