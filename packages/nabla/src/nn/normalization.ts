/**
 * Normalisation layers: BatchNorm1d/2d (PyTorch's running statistics, momentum and train/eval
 * behaviour), LayerNorm and GroupNorm. Buffer names are PyTorch's own snake_case state-dict keys
 * (`running_mean`, `running_var`, `num_batches_tracked`), so PyTorch state dicts load 1:1;
 * `num_batches_tracked` is int32 here (int64 in PyTorch).
 */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { noGrad } from '../autograd/grad-mode.js';
import { batchNorm, groupNorm, layerNorm } from '../ops/norm.js';
import { ones, zeros } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface BatchNormLayerOptions {
  eps?: number;
  /** Weight of each new batch in the running averages; null = cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learnable per-channel scale (`weight`, init 1) and shift (`bias`, init 0). Default true. */
  affine?: boolean;
  /** Keep running statistics for eval mode; without them eval uses batch statistics. Default true. */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(
    readonly numFeatures: number,
    options: BatchNormLayerOptions = {},
  ) {
    super();
    checkOptions(this.constructor.name, options, { eps: true, momentum: true, affine: true, trackRunningStats: true });
    if (!Number.isInteger(numFeatures) || numFeatures < 1)
      throw new OptionError(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.registerParameter('weight', this.affine ? new Parameter(ones([numFeatures])) : null);
    this.bias = this.registerParameter('bias', this.affine ? new Parameter(zeros([numFeatures])) : null);
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean');
  }
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var');
  }
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked');
  }

  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /** The accepted input layouts, e.g. ['N, C, H, W']. */
  protected abstract readonly layouts: readonly string[];

  private checkInput(x: Tensor): void {
    const ok = this.layouts.some((l) => l.split(',').length === x.ndim) && x.shape[1] === this.numFeatures;
    if (ok) return;
    const expected = this.layouts.map((l) => `[${l.replace('C', String(this.numFeatures))}]`).join(' or ');
    throw new ShapeError(
      `${this.constructor.name}(${this.numFeatures}): expected input of shape ${expected}, got ${formatShape(x.shape)}`,
    );
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor = this.momentum ?? 0;
    const tracked = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && tracked) {
      noGrad(() => tracked.add_(1));
      if (this.momentum === null) factor = 1 / tracked.item();
    }
    // Without running statistics, eval mode normalises with the batch's own (as PyTorch does).
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const updateStats = !this.training || this.trackRunningStats;
    return batchNorm(x, updateStats ? this.runningMean : null, updateStats ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` (per feature C), like `nn.BatchNorm1d`.
 * @example
 * const bn = new BatchNorm1d(64);
 * bn.forward(randn([32, 64])); // training: batch statistics, running ones updated
 * bn.eval().forward(randn([1, 64])); // eval: running statistics
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly layouts = ['N, C', 'N, C, L'];
}

/**
 * Batch normalisation over `[N, C, H, W]` (per channel C), like `nn.BatchNorm2d`.
 * @example
 * const bn = new BatchNorm2d(16);
 * bn.forward(randn([8, 16, 28, 28])).shape; // [8, 16, 28, 28]
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly layouts = ['N, C, H, W'];
}

export interface LayerNormLayerOptions {
  eps?: number;
  /** Learnable `weight` (init 1) and `bias` (init 0) of shape `normalizedShape`. Default true. */
  elementwiseAffine?: boolean;
}

/**
 * Normalises over the trailing `normalizedShape` dims of each sample, like `nn.LayerNorm`.
 * @example
 * const ln = new LayerNorm(32);
 * ln.forward(randn([4, 10, 32])).shape; // [4, 10, 32]
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormLayerOptions = {}) {
    super();
    checkOptions('LayerNorm', options, { eps: true, elementwiseAffine: true });
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = this.registerParameter('weight', affine ? new Parameter(ones(this.normalizedShape)) : null);
    this.bias = this.registerParameter('bias', affine ? new Parameter(zeros(this.normalizedShape)) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

export interface GroupNormLayerOptions {
  eps?: number;
  /** Learnable per-channel `weight` (init 1) and `bias` (init 0). Default true. */
  affine?: boolean;
}

/**
 * Normalises each sample's channels in `numGroups` groups, like `nn.GroupNorm`; the same in
 * training and eval, and independent of the batch size.
 * @example
 * const gn = new GroupNorm(8, 32);
 * gn.forward(randn([2, 32, 8, 8])).shape; // [2, 32, 8, 8]
 */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options: GroupNormLayerOptions = {},
  ) {
    super();
    checkOptions('GroupNorm', options, { eps: true, affine: true });
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0) {
      throw new ShapeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = this.registerParameter('weight', affine ? new Parameter(ones([numChannels])) : null);
    this.bias = this.registerParameter('bias', affine ? new Parameter(zeros([numChannels])) : null);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(
        `GroupNorm(${this.numGroups}, ${this.numChannels}): expected input of shape [N, ${this.numChannels}, *], got ${formatShape(x.shape)}`,
      );
    }
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}
