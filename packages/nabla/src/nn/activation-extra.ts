/** More activation layers (SELU, CELU, Mish, Hardswish, Hardsigmoid, Softsign, Softmin, GLU, PReLU, Threshold) and KLDivLoss. */
import { full } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from './functional/activation-extra.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Self-normalising ELU with PyTorch's fixed α and scale. @example new SELU().forward(tensor([-1, 1])); // [-1.1113, 1.0507] */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return F.selu(x);
  }
}

/** `max(0,x) + min(0, α(e^{x/α} − 1))`. @example new CELU(2).forward(tensor([-2])); // [-1.2642] */
export class CELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.celu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** `x·tanh(softplus(x))`. @example new Mish().forward(tensor([1])); // [0.8651] */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

/** `x·relu6(x + 3)/6`. @example new Hardswish().forward(tensor([1])); // [0.6667] */
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return F.hardswish(x);
  }
}

/** `relu6(x + 3)/6`. @example new Hardsigmoid().forward(tensor([0])); // [0.5] */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.hardsigmoid(x);
  }
}

/** `x / (1 + |x|)`. @example new Softsign().forward(tensor([1])); // [0.5] */
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return F.softsign(x);
  }
}

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
  constructor(readonly numParameters = 1, init = 0.25) {
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
  constructor(readonly threshold: number, readonly value: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.threshold(x, this.threshold, this.value);
  }
  override extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}`;
  }
}

/** `F.klDiv` as a module (input: log-probabilities). @example new KLDivLoss({ reduction: 'batchmean' }).forward(logp, p); */
export class KLDivLoss extends Module {
  constructor(readonly options: F.KLDivOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, this.options);
  }
}
