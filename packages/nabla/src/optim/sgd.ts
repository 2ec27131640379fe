import { OptionError } from '../tensor/errors.js';
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../backend/index.js';
import { denseRead, denseView, updateInPlace } from './dense.js';
import { Optimizer, type BaseHyper, type ParamGroup, type ParamsInput } from './optimizer.js';

/** Options of `SGD`, PyTorch's names in camelCase with its defaults. */
export interface SGDOptions {
  /** Learning rate; required (here or in every parameter group). */
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export type SGDHyper = Required<SGDOptions> & BaseHyper;

const SGD_KEYS: OptionKeys<SGDOptions> = {
  lr: true,
  momentum: true,
  dampening: true,
  weightDecay: true,
  nesterov: true,
  maximize: true,
};

/** SGD's per-parameter state: the momentum buffer, created on the first step when momentum > 0. */
export type SGDState = { momentumBuffer?: Tensor };

/**
 * One SGD step on one parameter, in PyTorch's order (`_single_tensor_sgd`):
 * d = ±g (+ wd·p); buf = d on the first step, else momentum·buf + (1 − dampening)·d;
 * d = nesterov ? d + momentum·buf : buf;  p −= lr·d.
 * `buf` is null without momentum; `first` says the buffer has just been created.
 * @example
 * sgdUpdate(p, g, null, false, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }); // p -= 0.1·g
 */
export function sgdUpdate(p: FloatArray, g: FloatArray, buf: FloatArray | null, first: boolean, h: SGDHyper): void {
  getBackend().optim.sgd(p, g, buf, first, h);
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum, dampening and
 * (L2) weight decay, exactly as `torch.optim.SGD` in PyTorch 1.13.
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  // One signature (not one per params form): a misspelled option is then a compile error at
  // the option ("'momentun' does not exist… did you mean 'momentum'?"), not a "no overload
  // matches" at the call. `lr` is required here or in every parameter group (checked when built).
  constructor(params: ParamsInput<SGDHyper>, options: SGDOptions = {}) {
    checkOptions('SGD', options, SGD_KEYS);
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } = options;
    if (lr !== undefined && lr < 0) throw new OptionError(`SGD: invalid learning rate: ${lr}`);
    if (momentum < 0) throw new OptionError(`SGD: invalid momentum value: ${momentum}`);
    if (weightDecay < 0) throw new OptionError(`SGD: invalid weightDecay value: ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new OptionError(
        `SGD: Nesterov momentum requires a momentum and zero dampening (got momentum=${momentum}, dampening=${dampening})`,
      );
    }
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize } as Partial<SGDHyper>);
  }

  protected initState(): SGDState {
    return {};
  }

  protected updateParam(param: Tensor, grad: Tensor, state: SGDState, group: ParamGroup<SGDHyper>): void {
    let first = false;
    if (group.momentum !== 0 && !state.momentumBuffer) {
      state.momentumBuffer = param.detach().clone();
      first = true;
    }
    const buf = group.momentum !== 0 ? denseView(state.momentumBuffer!) : null;
    updateInPlace(param, (p) => sgdUpdate(p, denseRead(grad), buf, first, group));
  }
}
