import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../backend/index.js';
import { denseRead, denseView, updateInPlace, zerosFor } from './dense.js';
import { Optimizer, type BaseHyper, type ParamGroup, type ParamsInput } from './optimizer.js';

/** Options of `Adadelta`, PyTorch's names in camelCase. */
export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}

export type AdadeltaHyper = Required<AdadeltaOptions> & BaseHyper;

/** Adadelta's per-parameter state: step count, running averages of g² and of squared updates. */
export type AdadeltaState = { step: number; squareAvg: Tensor; accDelta: Tensor };

/**
 * One Adadelta step on one parameter, in PyTorch 1.13's order (`_single_tensor_adadelta`):
 * v = ρ·v + (1−ρ)·g²;  δ = √(u + eps) / √(v + eps) · g;  u = ρ·u + (1−ρ)·δ²;  p −= lr·δ.
 */
export function adadeltaUpdate(p: FloatArray, g: FloatArray, v: FloatArray, u: FloatArray, h: AdadeltaHyper): void {
  getBackend().optim.adadelta(p, g, v, u, h);
}

/**
 * Adadelta, as `torch.optim.Adadelta` in PyTorch 1.13: defaults lr 1.0, rho 0.9, eps 1e-6,
 * weightDecay 0 (the optimizer of PyTorch's MNIST example).
 * @example
 * const opt = new Adadelta(model.parameters(), { lr: 1.0 });
 */
export class Adadelta extends Optimizer<AdadeltaHyper, AdadeltaState> {
  constructor(params: ParamsInput<AdadeltaHyper>, options: AdadeltaOptions = {}) {
    checkOptions('Adadelta', options, { lr: true, rho: true, eps: true, weightDecay: true, maximize: true });
    const { lr = 1.0, rho = 0.9, eps = 1e-6, weightDecay = 0, maximize = false } = options;
    if (!(lr >= 0)) throw new OptionError(`Adadelta: invalid learning rate: ${lr}`);
    if (!(rho >= 0 && rho <= 1)) throw new OptionError(`Adadelta: invalid rho value: ${rho}`);
    if (!(eps >= 0)) throw new OptionError(`Adadelta: invalid epsilon value: ${eps}`);
    if (!(weightDecay >= 0)) throw new OptionError(`Adadelta: invalid weightDecay value: ${weightDecay}`);
    super(params, { lr, rho, eps, weightDecay, maximize });
  }

  protected initState(param: Tensor): AdadeltaState {
    return { step: 0, squareAvg: zerosFor(param), accDelta: zerosFor(param) };
  }

  protected updateParam(param: Tensor, grad: Tensor, state: AdadeltaState, group: ParamGroup<AdadeltaHyper>): void {
    state.step += 1;
    const v = denseView(state.squareAvg);
    const u = denseView(state.accDelta);
    updateInPlace(param, (p) => adadeltaUpdate(p, denseRead(grad), v, u, group));
  }
}
