import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../backend/index.js';
import { denseRead, denseView, updateInPlace, zerosFor } from './dense.js';
import { Optimizer, type BaseHyper, type ParamGroup, type ParamsInput } from './optimizer.js';

/** Options of `Adagrad`, PyTorch's names in camelCase. */
export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}

export type AdagradHyper = Required<AdagradOptions> & BaseHyper;

/** Adagrad's per-parameter state: step count and the sum of squared gradients. */
export type AdagradState = { step: number; sum: Tensor };

/**
 * One Adagrad step on one parameter at step number `step` (≥ 1), in PyTorch's order
 * (`_single_tensor_adagrad`): clr = lr / (1 + (step − 1)·lrDecay);  sum += g²;
 * p −= clr · g / (√sum + eps).
 * @example
 * adagradUpdate(p, g, stateSum, 1, hyper); // first Adagrad step
 */
export function adagradUpdate(p: FloatArray, g: FloatArray, sum: FloatArray, step: number, h: AdagradHyper): void {
  getBackend().optim.adagrad(p, g, sum, step, h);
}

/**
 * Adagrad, exactly as `torch.optim.Adagrad` in PyTorch 1.13: defaults lr 1e-2, lrDecay 0,
 * weightDecay 0, initialAccumulatorValue 0, eps 1e-10. As in PyTorch, the state of every
 * parameter is created by the constructor (so `stateDict()` has it before any step).
 * @example
 * const opt = new Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradHyper, AdagradState> {
  constructor(params: ParamsInput<AdagradHyper>, options: AdagradOptions = {}) {
    checkOptions('Adagrad', options, {
      lr: true,
      lrDecay: true,
      weightDecay: true,
      initialAccumulatorValue: true,
      eps: true,
      maximize: true,
    });
    const {
      lr = 1e-2,
      lrDecay = 0,
      weightDecay = 0,
      initialAccumulatorValue = 0,
      eps = 1e-10,
      maximize = false,
    } = options;
    if (!(lr >= 0)) throw new OptionError(`Adagrad: invalid learning rate: ${lr}`);
    if (!(lrDecay >= 0)) throw new OptionError(`Adagrad: invalid lrDecay value: ${lrDecay}`);
    if (!(weightDecay >= 0)) throw new OptionError(`Adagrad: invalid weightDecay value: ${weightDecay}`);
    if (!(initialAccumulatorValue >= 0))
      throw new OptionError(`Adagrad: invalid initialAccumulatorValue value: ${initialAccumulatorValue}`);
    if (!(eps >= 0)) throw new OptionError(`Adagrad: invalid epsilon value: ${eps}`);
    super(params, { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize });
    for (const group of this.paramGroups) {
      for (const p of group.params) this.state.set(p, this.initState(p, group));
    }
  }

  protected initState(param: Tensor, group: ParamGroup<AdagradHyper>): AdagradState {
    return { step: 0, sum: zerosFor(param, group.initialAccumulatorValue) };
  }

  protected updateParam(param: Tensor, grad: Tensor, state: AdagradState, group: ParamGroup<AdagradHyper>): void {
    state.step += 1;
    const sum = denseView(state.sum);
    updateInPlace(param, (p) => adagradUpdate(p, denseRead(grad), sum, state.step, group));
  }
}
