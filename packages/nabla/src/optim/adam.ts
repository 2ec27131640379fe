import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../backend/index.js';
import { denseRead, denseView, updateInPlace, zerosFor } from './dense.js';
import { Optimizer, type BaseHyper, type ParamGroup, type ParamsInput } from './optimizer.js';

/** Options of `Adam` / `AdamW`, PyTorch's names in camelCase. */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

export type AdamHyper = Required<AdamOptions> & BaseHyper;

/**
 * Adam's per-parameter state: step count and the moment estimates. `elementStep`, when present,
 * holds a step count per element (continual backprop sets it to restart the bias correction of
 * the slices it reinitialises); the update then takes each element's own count.
 */
export type AdamState = { step: number; expAvg: Tensor; expAvgSq: Tensor; maxExpAvgSq?: Tensor; elementStep?: Tensor };

/** Buffers of one parameter for `adamUpdate`. */
export interface AdamBuffers {
  expAvg: FloatArray;
  expAvgSq: FloatArray;
  maxExpAvgSq: FloatArray | null;
}

/**
 * One Adam (or, with `decoupled`, AdamW) step on one parameter at step number `step` (≥ 1),
 * in PyTorch's order (`_single_tensor_adam(w)`):
 * AdamW first shrinks p by (1 − lr·wd); Adam adds wd·p to the gradient instead;
 * m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  v̂ = amsgrad ? max(v̂, v) : v;
 * p −= lr/(1−β1ᵗ) · m / (√v̂/√(1−β2ᵗ) + eps).
 * @example
 * adamUpdate(p, g, { expAvg: m, expAvgSq: v, maxExpAvgSq: null }, 1, hyper, false); // first Adam step
 */
export function adamUpdate(
  p: FloatArray,
  g: FloatArray,
  s: AdamBuffers,
  step: number,
  h: AdamHyper,
  decoupled: boolean,
): void {
  getBackend().optim.adam(p, g, s.expAvg, s.expAvgSq, s.maxExpAvgSq, step, h, decoupled);
}

function checkAdamOptions(name: string, o: AdamOptions): void {
  checkOptions(name, o, { lr: true, betas: true, eps: true, weightDecay: true, amsgrad: true, maximize: true });
  const { lr = 1e-3, eps = 1e-8, betas = [0.9, 0.999], weightDecay = 0 } = o;
  if (!(lr >= 0)) throw new OptionError(`${name}: invalid learning rate: ${lr}`);
  if (!(eps >= 0)) throw new OptionError(`${name}: invalid epsilon value: ${eps}`);
  if (!(betas[0] >= 0 && betas[0] < 1))
    throw new OptionError(`${name}: invalid beta parameter at index 0: ${betas[0]}`);
  if (!(betas[1] >= 0 && betas[1] < 1))
    throw new OptionError(`${name}: invalid beta parameter at index 1: ${betas[1]}`);
  if (!(weightDecay >= 0)) throw new OptionError(`${name}: invalid weightDecay value: ${weightDecay}`);
}

abstract class AdamBase extends Optimizer<AdamHyper, AdamState> {
  protected abstract readonly decoupled: boolean;

  protected initState(param: Tensor, group: ParamGroup<AdamHyper>): AdamState {
    const st: AdamState = { step: 0, expAvg: zerosFor(param), expAvgSq: zerosFor(param) };
    if (group.amsgrad) st.maxExpAvgSq = zerosFor(param);
    return st;
  }

  protected updateParam(param: Tensor, grad: Tensor, state: AdamState, group: ParamGroup<AdamHyper>): void {
    state.step += 1;
    if (group.amsgrad && !state.maxExpAvgSq) state.maxExpAvgSq = zerosFor(param);
    const bufs: AdamBuffers = {
      expAvg: denseView(state.expAvg),
      expAvgSq: denseView(state.expAvgSq),
      maxExpAvgSq: group.amsgrad ? denseView(state.maxExpAvgSq!) : null,
    };
    if (state.elementStep) {
      const steps = denseView(state.elementStep);
      const { expAvg, expAvgSq, maxExpAvgSq } = bufs;
      updateInPlace(param, (p) =>
        getBackend().units.adamElementSteps(
          p,
          denseRead(grad),
          expAvg,
          expAvgSq,
          maxExpAvgSq,
          steps,
          group,
          this.decoupled,
        ),
      );
      return;
    }
    updateInPlace(param, (p) => adamUpdate(p, denseRead(grad), bufs, state.step, group, this.decoupled));
  }
}

/**
 * Adam (optionally AMSGrad), exactly as `torch.optim.Adam` in PyTorch 1.13: defaults
 * lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (L2, added to the gradient).
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  constructor(params: ParamsInput<AdamHyper>, options: AdamOptions = {}) {
    checkAdamOptions('Adam', options);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false } = options;
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, maximize });
  }
}

/**
 * AdamW (decoupled weight decay), exactly as `torch.optim.AdamW` in PyTorch 1.13: defaults
 * as Adam's except weightDecay 1e-2, applied as p ← p·(1 − lr·wd) before the Adam step.
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  constructor(params: ParamsInput<AdamHyper>, options: AdamOptions = {}) {
    checkAdamOptions('AdamW', options);
    const {
      lr = 1e-3,
      betas = [0.9, 0.999],
      eps = 1e-8,
      weightDecay = 1e-2,
      amsgrad = false,
      maximize = false,
    } = options;
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, maximize });
  }
}
