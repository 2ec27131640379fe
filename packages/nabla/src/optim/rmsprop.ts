import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../backend/index.js';
import { denseRead, denseView, updateInPlace, zerosFor } from './dense.js';
import { Optimizer, type BaseHyper, type ParamGroup, type ParamsInput } from './optimizer.js';

/** Options of `RMSprop`, PyTorch's names in camelCase. */
export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}

export type RMSpropHyper = Required<RMSpropOptions> & BaseHyper;

/** RMSprop's per-parameter state. */
export type RMSpropState = { step: number; squareAvg: Tensor; momentumBuffer?: Tensor; gradAvg?: Tensor };

/** Buffers of one parameter for `rmspropUpdate` (null where the option is off). */
export interface RMSpropBuffers {
  squareAvg: FloatArray;
  momentumBuffer: FloatArray | null;
  gradAvg: FloatArray | null;
}

/**
 * One RMSprop step on one parameter, in PyTorch's order (`_single_tensor_rmsprop`):
 * s = α·s + (1−α)·g²;  centered: a = α·a + (1−α)·g, avg = √(s − a²), else avg = √s;
 * avg += eps;  momentum: buf = μ·buf + g/avg, p −= lr·buf;  else p −= lr·g/avg.
 * @example
 * rmspropUpdate(p, g, { squareAvg: s, momentumBuffer: null, gradAvg: null }, hyper);
 */
export function rmspropUpdate(p: FloatArray, g: FloatArray, s: RMSpropBuffers, h: RMSpropHyper): void {
  getBackend().optim.rmsprop(p, g, s.squareAvg, s.momentumBuffer, s.gradAvg, h);
}

/**
 * RMSprop, exactly as `torch.optim.RMSprop` in PyTorch 1.13: defaults lr 1e-2, alpha 0.99,
 * eps 1e-8, weightDecay 0, momentum 0, centered false.
 * @example
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropHyper, RMSpropState> {
  constructor(params: ParamsInput<RMSpropHyper>, options: RMSpropOptions = {}) {
    checkOptions('RMSprop', options, {
      lr: true,
      alpha: true,
      eps: true,
      weightDecay: true,
      momentum: true,
      centered: true,
      maximize: true,
    });
    const {
      lr = 1e-2,
      alpha = 0.99,
      eps = 1e-8,
      weightDecay = 0,
      momentum = 0,
      centered = false,
      maximize = false,
    } = options;
    if (!(lr >= 0)) throw new OptionError(`RMSprop: invalid learning rate: ${lr}`);
    if (!(eps >= 0)) throw new OptionError(`RMSprop: invalid epsilon value: ${eps}`);
    if (!(momentum >= 0)) throw new OptionError(`RMSprop: invalid momentum value: ${momentum}`);
    if (!(weightDecay >= 0)) throw new OptionError(`RMSprop: invalid weightDecay value: ${weightDecay}`);
    if (!(alpha >= 0)) throw new OptionError(`RMSprop: invalid alpha value: ${alpha}`);
    super(params, { lr, alpha, eps, weightDecay, momentum, centered, maximize });
  }

  protected initState(param: Tensor, group: ParamGroup<RMSpropHyper>): RMSpropState {
    const st: RMSpropState = { step: 0, squareAvg: zerosFor(param) };
    if (group.momentum > 0) st.momentumBuffer = zerosFor(param);
    if (group.centered) st.gradAvg = zerosFor(param);
    return st;
  }

  protected updateParam(param: Tensor, grad: Tensor, state: RMSpropState, group: ParamGroup<RMSpropHyper>): void {
    // Options switched on after the first step get fresh buffers (PyTorch would fail on them).
    if (group.momentum > 0) state.momentumBuffer ??= zerosFor(param);
    if (group.centered) state.gradAvg ??= zerosFor(param);
    state.step += 1;
    const bufs: RMSpropBuffers = {
      squareAvg: denseView(state.squareAvg),
      momentumBuffer: group.momentum > 0 ? denseView(state.momentumBuffer!) : null,
      gradAvg: group.centered ? denseView(state.gradAvg!) : null,
    };
    updateInPlace(param, (p) => rmspropUpdate(p, denseRead(grad), bufs, group));
  }
}
