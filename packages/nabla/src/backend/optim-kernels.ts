import type { FloatArray } from '../tensor/dtype.js';

/** Hyper-parameters of one SGD step (`torch.optim.SGD`'s, camelCase). */
export interface SgdStep {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** Hyper-parameters of one Adam/AdamW step. */
export interface AdamStep {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Hyper-parameters of one RMSprop step (centered and momentum follow from the buffers given). */
export interface RmspropStep {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  maximize: boolean;
}

/** Hyper-parameters of one Adagrad step. */
export interface AdagradStep {
  lr: number;
  lrDecay: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Hyper-parameters of one Adadelta step. */
export interface AdadeltaStep {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * Fused optimizer steps on one parameter: `p` (updated in place), its gradient `g` and its state
 * buffers, all dense and of one float type and length. Each follows PyTorch 1.13's
 * `_single_tensor_*` operation order; float32 rounds after every operation as PyTorch's float32
 * kernels do, so every backend gives the same bits.
 */
export interface OptimKernels {
  /** SGD; `buf` null without momentum, `first` when the buffer was just created (it takes d). */
  sgd(p: FloatArray, g: FloatArray, buf: FloatArray | null, first: boolean, h: SgdStep): void;
  /** Adam (or AdamW with `decoupled`) at step number `step` ≥ 1; `vMax` null unless amsgrad. */
  adam(
    p: FloatArray,
    g: FloatArray,
    m: FloatArray,
    v: FloatArray,
    vMax: FloatArray | null,
    step: number,
    h: AdamStep,
    decoupled: boolean,
  ): void;
  /** RMSprop; `buf` null without momentum, `gradAvg` null unless centered. */
  rmsprop(
    p: FloatArray,
    g: FloatArray,
    squareAvg: FloatArray,
    buf: FloatArray | null,
    gradAvg: FloatArray | null,
    h: RmspropStep,
  ): void;
  /** Adagrad at step number `step` ≥ 1. */
  adagrad(p: FloatArray, g: FloatArray, sum: FloatArray, step: number, h: AdagradStep): void;
  /** Adadelta: `v` the running mean of g², `u` of squared updates. */
  adadelta(p: FloatArray, g: FloatArray, v: FloatArray, u: FloatArray, h: AdadeltaStep): void;
  /** The p-norm of `x` as `torch.norm` defines it (±Infinity: max/min |x|; 0: non-zero count), summed in float64. */
  vectorNorm(x: ArrayLike<number>, p: number): number;
}
