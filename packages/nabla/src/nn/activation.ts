/** Activation layers: thin modules over `nn.functional`, with PyTorch's defaults. */
import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { full } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from './functional/activation.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** A module whose `forward` takes one tensor, plus the read-only settings `S` it was built with. */
type OneInput<S> = Module & S & { forward(x: Tensor): Tensor };

/**
 * The module over a parameterless elementwise function: each public class below extends the
 * class this returns, so it keeps its own name, TSDoc and `instanceof`, and has no state.
 * (The declared return types keep Module's private members out of the emitted declarations.)
 */
function unary(fn: (x: Tensor) => Tensor): new () => OneInput<object> {
  return class extends Module {
    forward(x: Tensor): Tensor {
      return fn(x);
    }
  };
}

/** The module over `fn(x, alpha)` with PyTorch's `alpha = 1` default (ELU, CELU). */
function withAlpha(
  fn: (x: Tensor, alpha: number) => Tensor,
): new (
  alpha?: number,
) => OneInput<{ readonly alpha: number }> {
  return class extends Module {
    constructor(readonly alpha = 1) {
      super();
    }
    forward(x: Tensor): Tensor {
      return fn(x, this.alpha);
    }
    override extraRepr(): string {
      return `alpha=${this.alpha}`;
    }
  };
}

/**
 * `max(0, x)` elementwise.
 * @example
 * new ReLU().forward(tensor([-1, 2])); // [0, 2]
 */
export class ReLU extends unary(F.relu) {}

/**
 * `x` for `x > 0`, else `negativeSlope · x`.
 * @example
 * new LeakyReLU(0.1).forward(tensor([-2, 3])); // [-0.2, 3]
 */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** The logistic function `1 / (1 + e^−x)`. @example new Sigmoid().forward(tensor([0])); // [0.5] */
export class Sigmoid extends unary(F.sigmoid) {}

/** Hyperbolic tangent. @example new Tanh().forward(tensor([0])); // [0] */
export class Tanh extends unary(F.tanh) {}

/** `x · σ(x)` (swish). @example new SiLU().forward(tensor([1])); // [0.7311] */
export class SiLU extends unary(F.silu) {}

/** `log σ(x)`, stable for large |x|. @example new LogSigmoid().forward(tensor([0])); // [-0.6931] */
export class LogSigmoid extends unary(F.logSigmoid) {}

/**
 * Gaussian error linear unit, exact (`approximate: 'none'`, the default) or the tanh form.
 * @example
 * new GELU().forward(tensor([1])); // [0.8413]
 * new GELU({ approximate: 'tanh' });
 */
export class GELU extends Module {
  readonly approximate: F.GeluApproximate;
  constructor(options: { approximate?: F.GeluApproximate } = {}) {
    super();
    checkOptions('GELU', options, { approximate: true });
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new OptionError(`GELU: approximate must be 'none' or 'tanh', got '${String(this.approximate)}'`);
    }
  }
  forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `x` for `x > 0`, else `alpha · (e^x − 1)`. @example new ELU(1).forward(tensor([-1])); // [-0.6321] */
export class ELU extends withAlpha(F.elu) {}

/** `log(1 + e^{βx}) / β`, linear where `βx > threshold`. @example new Softplus().forward(tensor([0])); // [0.6931] */
export class Softplus extends Module {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Clamps to `[minVal, maxVal]` (gradient 0 at the bounds). @example new Hardtanh().forward(tensor([2])); // [1] */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
    if (minVal > maxVal) throw new OptionError(`Hardtanh: minVal (${minVal}) must not exceed maxVal (${maxVal})`);
  }
  forward(x: Tensor): Tensor {
    return F.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** `min(max(0, x), 6)`. @example new ReLU6().forward(tensor([-1, 7])); // [0, 6] */
export class ReLU6 extends unary(F.relu6) {}

/** PyTorch's implicit dim when none is given: 0 for 0-, 1- and 3-D inputs, else 1 (deprecated there). */
function softmaxDim(dim: number | null, x: Tensor): number {
  return dim ?? F.implicitSoftmaxDim(x.ndim);
}

/** The module over `fn(x, dim)` whose `dim` may be left out (Softmax, LogSoftmax). */
function softmaxLike(
  fn: (x: Tensor, dim: number) => Tensor,
): new (
  dim?: number | null,
) => OneInput<{ readonly dim: number | null }> {
  return class extends Module {
    constructor(readonly dim: number | null = null) {
      super();
    }
    forward(x: Tensor): Tensor {
      return fn(x, softmaxDim(this.dim, x));
    }
    override extraRepr(): string {
      return `dim=${this.dim}`;
    }
  };
}

/**
 * Softmax along `dim`. Without `dim`, PyTorch's legacy choice applies (0 for 1-D and 3-D inputs,
 * else 1); pass it explicitly.
 * @example
 * new Softmax(1).forward(tensor([[1, 2, 3]])); // [[0.0900, 0.2447, 0.6652]]
 */
export class Softmax extends softmaxLike(F.softmax) {}

/** `log(softmax(x, dim))`, computed stably. @example new LogSoftmax(1).forward(logits); */
export class LogSoftmax extends softmaxLike(F.logSoftmax) {}

/** Self-normalising ELU with PyTorch's fixed α and scale. @example new SELU().forward(tensor([-1, 1])); // [-1.1113, 1.0507] */
export class SELU extends unary(F.selu) {}

/** `max(0,x) + min(0, α(e^{x/α} − 1))`. @example new CELU(2).forward(tensor([-2])); // [-1.2642] */
export class CELU extends withAlpha(F.celu) {}

/** `x·tanh(softplus(x))`. @example new Mish().forward(tensor([1])); // [0.8651] */
export class Mish extends unary(F.mish) {}

/** `x·relu6(x + 3)/6`. @example new Hardswish().forward(tensor([1])); // [0.6667] */
export class Hardswish extends unary(F.hardswish) {}

/** `relu6(x + 3)/6`. @example new Hardsigmoid().forward(tensor([0])); // [0.5] */
export class Hardsigmoid extends unary(F.hardsigmoid) {}

/** `x / (1 + |x|)`. @example new Softsign().forward(tensor([1])); // [0.5] */
export class Softsign extends unary(F.softsign) {}

/** `softmax(−x)` along `dim`. @example new Softmin(0).forward(tensor([0, 0])); // [0.5, 0.5] */
export class Softmin extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.softmin(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Gated linear unit over `dim` (default -1). @example new GLU().forward(tensor([[1, 0]])); // [[0.5]] */
export class GLU extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.glu(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Leaky ReLU with a learned slope (`numParameters` 1, or one per channel), initialised to
 * `init` (0.25), like `torch.nn.PReLU`.
 * @example
 * new PReLU().forward(tensor([-4, 2])); // [-1, 2]
 */
export class PReLU extends Module {
  readonly weight: Parameter;
  constructor(
    readonly numParameters = 1,
    init = 0.25,
  ) {
    super();
    this.weight = this.registerParameter('weight', new Parameter(full([numParameters], init)));
  }
  forward(x: Tensor): Tensor {
    return F.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `numParameters=${this.numParameters}`;
  }
}

/** `x` where x > threshold, else `value`. @example new Threshold(0.5, -1).forward(tensor([0.2, 0.7])); // [-1, 0.7] */
export class Threshold extends Module {
  constructor(
    readonly threshold: number,
    readonly value: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.threshold(x, this.threshold, this.value);
  }
  override extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}`;
  }
}
