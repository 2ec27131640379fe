/**
 * Loss modules over `nn.functional`'s losses, with PyTorch 1.13's options and defaults. Class
 * and element weights are registered as buffers (so they move with `stateDict`), as in PyTorch.
 */
import { OptionError } from '../tensor/errors.js';
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { crossEntropy, nllLoss, type CrossEntropyOptions, type NLLLossOptions } from './functional/cross-entropy.js';
import * as F from './functional/loss.js';
import { checkReduction, type Reduction, type ReductionOptions } from './functional/reduction.js';
import { Module } from './module.js';

// Each loss's option keys, checked by Loss's constructor under the subclass's name.
const SMOOTH_L1_KEYS: OptionKeys<ReductionOptions & { beta?: number }> = { reduction: true, beta: true };
const HUBER_KEYS: OptionKeys<ReductionOptions & { delta?: number }> = { reduction: true, delta: true };
const NLL_KEYS: OptionKeys<NLLLossOptions> = { reduction: true, weight: true, ignoreIndex: true };
const CROSS_ENTROPY_KEYS: OptionKeys<CrossEntropyOptions> = { ...NLL_KEYS, labelSmoothing: true };
const BCE_KEYS: OptionKeys<F.BCEOptions> = { reduction: true, weight: true };
const BCE_WITH_LOGITS_KEYS: OptionKeys<F.BCEWithLogitsOptions> = { ...BCE_KEYS, posWeight: true };

/** Holds `reduction`; subclasses implement `forward(input, target)`. */
abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(options: ReductionOptions = {}, keys: OptionKeys<ReductionOptions> = { reduction: true }) {
    super();
    checkOptions<ReductionOptions>(this.constructor.name, options, keys);
    const reduction = options.reduction ?? 'mean';
    checkReduction(reduction, this.constructor.name);
    this.reduction = reduction;
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/**
 * Mean squared error.
 * @example
 * new MSELoss().forward(prediction, target); // a 0-d tensor
 */
export class MSELoss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error. @example new L1Loss({ reduction: 'sum' }).forward(prediction, target); */
export class L1Loss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Quadratic below `beta`, linear above (see `smoothL1Loss`). @example new SmoothL1Loss({ beta: 0.5 }); */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(options: ReductionOptions & { beta?: number } = {}) {
    super(options, SMOOTH_L1_KEYS);
    this.beta = options.beta ?? 1;
    if (this.beta < 0) throw new OptionError(`SmoothL1Loss: beta must be non-negative, got ${this.beta}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { beta: this.beta, reduction: this.reduction });
  }
}

/** Quadratic below `delta`, linear (slope `delta`) above. @example new HuberLoss({ delta: 2 }); */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(options: ReductionOptions & { delta?: number } = {}) {
    super(options, HUBER_KEYS);
    this.delta = options.delta ?? 1;
    if (!(this.delta > 0)) throw new OptionError(`HuberLoss: delta must be positive, got ${this.delta}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { delta: this.delta, reduction: this.reduction });
  }
}

/** Registers an optional weight tensor as a buffer and reads it back. */
function weightBuffer(m: Module, name: string, w: Tensor | null | undefined): Tensor | null {
  return m.registerBuffer(name, w ?? null);
}

/**
 * Negative log-likelihood of int32 class indices given log-probabilities.
 * @example
 * new NLLLoss().forward(logits.logSoftmax(1), labels);
 */
export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  constructor(options: NLLLossOptions = {}) {
    super(options, NLL_KEYS);
    weightBuffer(this, 'weight', options.weight);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  get weight(): Tensor | null {
    return this.getBuffer('weight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Cross entropy of logits against int32 class indices or class probabilities, with optional
 * class `weight`, `ignoreIndex` (-100) and `labelSmoothing` (0).
 * @example
 * const lossFn = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(model.forward(x), labels); // labels: int32 [N]
 */
export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: CrossEntropyOptions = {}) {
    super(options, CROSS_ENTROPY_KEYS);
    weightBuffer(this, 'weight', options.weight);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new OptionError(`CrossEntropyLoss: labelSmoothing must be between 0.0 and 1.0, got ${this.labelSmoothing}`);
    }
  }
  get weight(): Tensor | null {
    return this.getBuffer('weight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    const { ignoreIndex, labelSmoothing, reduction } = this;
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex, labelSmoothing, reduction });
  }
}

/**
 * Binary cross entropy of probabilities (apply `Sigmoid` first; `BCEWithLogitsLoss` is stabler).
 * @example
 * new BCELoss().forward(model.forward(x).sigmoid(), targets);
 */
export class BCELoss extends Loss {
  constructor(options: F.BCEOptions = {}) {
    super(options, BCE_KEYS);
    weightBuffer(this, 'weight', options.weight);
  }
  get weight(): Tensor | null {
    return this.getBuffer('weight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Sigmoid + binary cross entropy in one stable expression, with optional element `weight` and
 * per-class `posWeight`.
 * @example
 * new BCEWithLogitsLoss({ posWeight: tensor([3]) }).forward(logits, targets);
 */
export class BCEWithLogitsLoss extends Loss {
  constructor(options: F.BCEWithLogitsOptions = {}) {
    super(options, BCE_WITH_LOGITS_KEYS);
    weightBuffer(this, 'weight', options.weight);
    weightBuffer(this, 'posWeight', options.posWeight);
  }
  get weight(): Tensor | null {
    return this.getBuffer('weight');
  }
  get posWeight(): Tensor | null {
    return this.getBuffer('posWeight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction,
    });
  }
}

/** `F.klDiv` as a module (input: log-probabilities). @example new KLDivLoss({ reduction: 'batchmean' }).forward(logp, p); */
export class KLDivLoss extends Module {
  constructor(readonly options: F.KLDivOptions = {}) {
    super();
    checkOptions('KLDivLoss', options, { reduction: true, logTarget: true });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, this.options);
  }
}
