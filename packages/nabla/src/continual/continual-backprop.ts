/**
 * Continual backprop (Dohare et al., "Loss of plasticity in deep continual learning", Nature 2024):
 * backprop plus generate-and-test. After every optimizer step each hidden unit ages by one and
 * its utility — a bias-corrected running average — is updated; a fraction ρ of the mature units
 * (age > m) with the lowest utility is reinitialised. The same machinery runs the baselines
 * the paper compares against: L2, Shrink & Perturb, L2-Init and ReDo.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import type { Module } from '../nn/module.js';
import { denseRead, denseView, updateInPlace, zerosFor } from '../optim/dense.js';
import { Optimizer, type BaseHyper } from '../optim/optimizer.js';
import { rand } from '../tensor/create.js';
import { OptionError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import type { Callback, TrainingContext } from '../train/callbacks.js';
import { FeatureTap, featureView, hiddenLayers, type HiddenLayer, type UnitView } from './hidden-layers.js';

/** How a unit's usefulness is measured (the paper's contribution and adaptable-contribution utilities). */
export type UtilityType = 'contribution' | 'adaptableContribution';

/** Shrink & Perturb: after every step θ ← θ − lr·weightDecay·θ + noise·ε, ε ~ N(0, 1). */
export interface ShrinkPerturbOptions {
  weightDecay: number;
  noise: number;
}

/** ReDo: every `every` steps, units whose mean |activation| over those steps, divided by the layer's average, is ≤ `threshold` are reinitialised. */
export interface ReDoOptions {
  every: number;
  threshold: number;
}

/** Options of `ContinualBackprop`. */
export interface ContinualBackpropOptions {
  /** ρ: the fraction of mature units replaced per step (default 1e-4; 0 turns generate-and-test, and its statistics, off). */
  replacementRate?: number;
  /** m: units with age > m are eligible (default 100). */
  maturityThreshold?: number;
  /** η: decay of the running utility and mean activation (default 0.99). */
  decayRate?: number;
  /** The utility (default 'contribution'). */
  utility?: UtilityType;
  /**
   * What happens to ρ × eligible when it is not a whole number: 'accumulate' (default) carries the
   * fraction to the next step; 'bernoulli' replaces one unit with that probability (when below 1).
   */
  fraction?: 'accumulate' | 'bernoulli';
  /** Seed of the generator that draws new weights, Bernoulli trials and perturbations (default 0). */
  seed?: number;
  /** Overrides every hidden layer's activation gain in the bound b = gain·√(3/fanIn). */
  gain?: number;
  /** L2 toward zero, applied after each step as θ ← θ − lr·l2·θ (the gradient of (l2/2)‖θ‖²). */
  l2?: number;
  /** L2-Init: θ ← θ − lr·l2Init·(θ − θ₀), the gradient of (l2Init/2)‖θ − θ₀‖², θ₀ the weights at construction. */
  l2Init?: number;
  /** Shrink & Perturb after every step. */
  shrinkPerturb?: ShrinkPerturbOptions;
  /** ReDo: periodic reinitialisation of dormant units. */
  redo?: ReDoOptions;
  /** Step size of the L2 / L2-Init / Shrink & Perturb updates (default: the optimizer's first group's lr). */
  lr?: number;
}

const OPTION_KEYS = {
  replacementRate: true,
  maturityThreshold: true,
  decayRate: true,
  utility: true,
  fraction: true,
  seed: true,
  gain: true,
  l2: true,
  l2Init: true,
  shrinkPerturb: true,
  redo: true,
  lr: true,
} as const;

/** Per-unit bookkeeping of one hidden layer (one number per unit, in plain arrays). */
interface UnitState {
  ages: number[];
  /** Running utility (not bias-corrected). */
  utility: number[];
  /** Running mean activation (not bias-corrected). */
  mean: number[];
  /** Fractional replacements carried over ('accumulate'). */
  carried: number;
  /** η^age per unit (the bias correction is 1 − η^age). */
  etaPow: number[];
  /** ReDo: Σ mean |h| since the last check, and the number of steps summed. */
  redoSum: number[];
  redoSteps: number;
  /** Per-unit outputs of the unit kernels, reused every step. */
  scratch: Record<'abs' | 'mean' | 'center' | 'centered' | 'outMag' | 'inMag', Float64Array>;
}

function checkFraction(name: string, v: number, low: number, high: number, openLow = false): void {
  if (!(typeof v === 'number' && (openLow ? v > low : v >= low) && v <= high))
    throw new OptionError(
      `ContinualBackprop: ${name} must be a number in ${openLow ? '(' : '['}${low}, ${high}], got ${v}`,
    );
}

/**
 * Continual backprop's generate-and-test for `Linear` + activation stacks and `Conv2d` stacks
 * (a convolution's unit is an output channel; a `Flatten` into a `Linear` is the conv→linear
 * boundary). Call `step()` after every `optimizer.step()`, or pass it to `fit` as a callback.
 *
 * Each step every unit ages by one and its utility u ← η·u + (1 − η)·y is updated, where y is
 * mean|w_out| · mean|h| ('contribution') or mean|w_out| · mean|h − f̂| / mean|w_in|
 * ('adaptableContribution'), f̂ the running mean activation; both are divided by 1 − η^age.
 * Of the units with age > m, ρ × their number (carried over or drawn, see `fraction`) with the
 * lowest utility are replaced: incoming weights from U(−b, b), b = gain·√(3/fanIn), bias zero,
 * the next layer's bias absorbs w_out·f̂, outgoing weights zero, age/utility/mean zero, and the
 * optimizer's state for exactly those weights zero (Adam's step count restarts per element).
 *
 * Features are the outputs of each hidden layer's activation module, recorded on every forward
 * pass; `step(features)` takes them explicitly instead.
 * @example
 * const net = new nn.Sequential(new nn.Linear(20, 5), new nn.ReLU(), new nn.Linear(5, 1));
 * const opt = new optim.SGD(net.parameters(), { lr: 0.01 });
 * const cbp = new ContinualBackprop(net, opt, { replacementRate: 1e-4, maturityThreshold: 100 });
 * const x = rand([1, 20]), y = rand([1, 1]);
 * opt.zeroGrad();
 * nn.functional.mseLoss(net.forward(x), y).backward();
 * opt.step();
 * cbp.step(); // ages, utilities, replacements
 */
export class ContinualBackprop implements Callback {
  readonly layers: readonly HiddenLayer[];
  readonly replacementRate: number;
  readonly maturityThreshold: number;
  readonly decayRate: number;
  readonly utilityType: UtilityType;
  readonly fraction: 'accumulate' | 'bernoulli';
  /** Units replaced so far (generate-and-test and ReDo), per hidden layer. */
  readonly replaced: number[];
  /** Steps taken. */
  steps = 0;
  private readonly generator: Generator;
  private readonly state: UnitState[];
  private readonly tap: FeatureTap;
  private readonly initial: Map<Tensor, Tensor> | null;
  /** The xorshift128 state of Shrink & Perturb's noise, from the seed. */
  private readonly noiseState: Uint32Array;
  private readonly params: Tensor[];

  constructor(
    readonly model: Module,
    private optimizer: Optimizer<BaseHyper> | null,
    private readonly options: ContinualBackpropOptions = {},
  ) {
    checkOptions('ContinualBackprop', options, OPTION_KEYS);
    const {
      replacementRate = 1e-4,
      maturityThreshold = 100,
      decayRate = 0.99,
      utility = 'contribution',
      fraction = 'accumulate',
      seed = 0,
    } = options;
    checkFraction('replacementRate', replacementRate, 0, 1);
    checkFraction('decayRate', decayRate, 0, 1);
    if (decayRate === 1) throw new OptionError('ContinualBackprop: decayRate must be below 1 (got 1)');
    if (!(Number.isInteger(maturityThreshold) && maturityThreshold >= 0))
      throw new OptionError(`ContinualBackprop: maturityThreshold must be an integer ≥ 0, got ${maturityThreshold}`);
    if (utility !== 'contribution' && utility !== 'adaptableContribution')
      throw new OptionError(
        `ContinualBackprop: utility must be 'contribution' or 'adaptableContribution', got ${JSON.stringify(utility)}`,
      );
    if (fraction !== 'accumulate' && fraction !== 'bernoulli')
      throw new OptionError(
        `ContinualBackprop: fraction must be 'accumulate' or 'bernoulli', got ${JSON.stringify(fraction)}`,
      );
    for (const k of ['l2', 'l2Init', 'lr'] as const) {
      const v = options[k];
      if (v !== undefined && !(v >= 0)) throw new OptionError(`ContinualBackprop: ${k} must be ≥ 0, got ${v}`);
    }
    if (options.shrinkPerturb) {
      checkOptions('ContinualBackprop shrinkPerturb', options.shrinkPerturb, { weightDecay: true, noise: true });
      const { weightDecay, noise } = options.shrinkPerturb;
      if (!(weightDecay >= 0 && noise >= 0))
        throw new OptionError(
          `ContinualBackprop: shrinkPerturb needs weightDecay ≥ 0 and noise ≥ 0, got ${weightDecay}, ${noise}`,
        );
    }
    if (options.redo) {
      checkOptions('ContinualBackprop redo', options.redo, { every: true, threshold: true });
      const { every, threshold } = options.redo;
      if (!(Number.isInteger(every) && every >= 1 && threshold >= 0))
        throw new OptionError(
          `ContinualBackprop: redo needs an integer every ≥ 1 and threshold ≥ 0, got ${every}, ${threshold}`,
        );
    }
    this.replacementRate = replacementRate;
    this.maturityThreshold = maturityThreshold;
    this.decayRate = decayRate;
    this.utilityType = utility;
    this.fraction = fraction;
    this.generator = new Generator(seed);
    // Four non-zero words from the seeded generator (xorshift128 must not start at all zeros), drawn only
    // for Shrink & Perturb so the other methods' draws stay as they are.
    const word = () => (options.shrinkPerturb ? 1 + this.generator.integer(0, 0xfffffffe) : 1);
    this.noiseState = Uint32Array.of(word(), word(), word(), word());
    this.layers = hiddenLayers(model, options.gain);
    this.replaced = this.layers.map(() => 0);
    this.state = this.layers.map((l) => ({
      ages: new Array<number>(l.units).fill(0),
      utility: new Array<number>(l.units).fill(0),
      mean: new Array<number>(l.units).fill(0),
      carried: 0,
      etaPow: new Array<number>(l.units).fill(1),
      redoSum: new Array<number>(l.units).fill(0),
      redoSteps: 0,
      scratch: {
        abs: new Float64Array(l.units),
        mean: new Float64Array(l.units),
        center: new Float64Array(l.units),
        centered: new Float64Array(l.units),
        outMag: new Float64Array(l.units),
        inMag: new Float64Array(l.units),
      },
    }));
    this.tap = new FeatureTap(this.layers);
    this.params = model.parameters();
    this.initial = options.l2Init ? new Map(this.params.map((p) => [p, p.detach().clone()])) : null;
  }

  /** Ages of the units of hidden layer `i`. */
  ages(i: number): number[] {
    return [...this.layer(i).ages];
  }

  /** Bias-corrected utilities u / (1 − η^age) of hidden layer `i` (0 for a unit of age 0). */
  utilities(i: number): number[] {
    const s = this.layer(i);
    return s.utility.map((u, k) => (s.ages[k] === 0 ? 0 : u / (1 - s.etaPow[k])));
  }

  /** Bias-corrected mean activations f̂ of hidden layer `i`. */
  meanActivations(i: number): number[] {
    const s = this.layer(i);
    return s.mean.map((m, k) => (s.ages[k] === 0 ? 0 : m / (1 - s.etaPow[k])));
  }

  private layer(i: number): UnitState {
    const s = this.state[i];
    if (!s) throw new RangeError(`ContinualBackprop: no hidden layer ${i} (there are ${this.state.length})`);
    return s;
  }

  /** Stops recording features (puts back the activation modules' own forward). */
  release(): void {
    this.tap.release();
  }

  /**
   * One generate-and-test step (plus the configured baselines), after `optimizer.step()`.
   * `features[i]` is hidden layer i's output on the batch just trained on, `[batch, units, ...]`;
   * by default the outputs recorded from the last forward pass. Returns the units replaced per layer.
   */
  step(features?: readonly Tensor[]): number[] {
    const feats = features ?? this.tap.features;
    if (feats.length !== this.layers.length)
      throw new Error(
        `ContinualBackprop.step: got ${feats.length} feature tensors for ${this.layers.length} hidden layers`,
      );
    this.steps++;
    const replaced = this.layers.map(() => 0);
    noGrad(() => {
      this.applyPenalties();
      this.layers.forEach((layer, i) => {
        const h = feats[i];
        if (!h)
          throw new Error(
            `ContinualBackprop.step: no features for hidden layer ${i}; pass cbp.step(features) or put an activation module after the layer`,
          );
        const view = featureView(h, layer, i);
        const data = denseRead(h.detach());
        if (this.options.redo) replaced[i] += this.redoStep(i, data, view);
        if (this.replacementRate > 0) replaced[i] += this.generateAndTest(i, data, view);
      });
    });
    replaced.forEach((n, i) => {
      this.replaced[i] += n;
    });
    return replaced;
  }

  /** Updates ages, mean activations and utilities of layer i; replaces the chosen units. */
  private generateAndTest(i: number, h: Float32Array | Float64Array, view: UnitView): number {
    const layer = this.layers[i];
    const s = this.state[i];
    const eta = this.decayRate;
    const k = getBackend().units;
    const { abs, mean, center, centered, outMag, inMag } = s.scratch;
    const n = layer.units;
    k.unitMeans(h, view.outer, n, view.inner, abs, mean, null, null);
    let eligible = 0;
    for (let u = 0; u < n; u++) {
      s.ages[u] += 1;
      s.etaPow[u] *= eta;
      s.mean[u] = eta * s.mean[u] + (1 - eta) * mean[u];
      center[u] = s.mean[u] / (1 - s.etaPow[u]); // f̂
      if (s.ages[u] > this.maturityThreshold) eligible++;
    }
    const { outgoing, incoming } = layer;
    k.unitMeans(denseRead(layer.next.weight), outgoing.outer, n, outgoing.inner, outMag, null, null, null);
    if (this.utilityType === 'adaptableContribution') {
      k.unitMeans(h, view.outer, n, view.inner, abs, null, center, centered);
      k.unitMeans(denseRead(layer.layer.weight), incoming.outer, n, incoming.inner, inMag, null, null, null);
      for (let u = 0; u < n; u++) s.utility[u] = eta * s.utility[u] + ((1 - eta) * outMag[u] * centered[u]) / inMag[u];
    } else {
      for (let u = 0; u < n; u++) s.utility[u] = eta * s.utility[u] + (1 - eta) * outMag[u] * abs[u];
    }
    if (eligible === 0) return 0;
    const expected = this.replacementRate * eligible;
    let count: number;
    if (this.fraction === 'accumulate') {
      s.carried += expected;
      count = Math.floor(s.carried);
      s.carried -= count;
    } else {
      count = expected < 1 ? (this.generator.random() < expected ? 1 : 0) : Math.floor(expected);
    }
    if (count === 0) return 0;
    const utility = this.utilities(i);
    // Lowest utility first; ties go to the lower index, so a seed gives one order.
    const chosen = s.ages
      .map((a, u) => (a > this.maturityThreshold ? u : -1))
      .filter((u) => u >= 0)
      .sort((a, b) => utility[a] - utility[b] || a - b)
      .slice(0, count)
      .sort((a, b) => a - b);
    this.replace(i, chosen, true);
    return chosen.length;
  }

  /** ReDo: accumulates mean |h| per unit; every F steps resets units whose normalised score ≤ τ. */
  private redoStep(i: number, h: Float32Array | Float64Array, view: UnitView): number {
    const { every, threshold } = this.options.redo!;
    const s = this.state[i];
    const { abs } = s.scratch;
    getBackend().units.unitMeans(h, view.outer, view.units, view.inner, abs, null, null, null);
    for (let u = 0; u < view.units; u++) s.redoSum[u] += abs[u];
    s.redoSteps++;
    if (s.redoSteps < every) return 0;
    const avg = s.redoSum.reduce((a, b) => a + b, 0) / s.redoSum.length;
    const dormant: number[] = [];
    for (let u = 0; u < view.units; u++) {
      const score = avg > 0 ? s.redoSum[u] / avg : 0;
      if (score <= threshold) dormant.push(u);
    }
    s.redoSum.fill(0);
    s.redoSteps = 0;
    if (dormant.length > 0) this.replace(i, dormant, false);
    return dormant.length;
  }

  /**
   * Reinitialises `units` of hidden layer `i`: incoming weights from U(−b, b), bias zero, (with
   * `absorb`) the next layer's bias takes w_out·f̂, outgoing weights zero, bookkeeping and the
   * optimizer state of those weights reset.
   * @example
   * cbp.replace(0, [2, 4]); // units 2 and 4 of the first hidden layer start over
   */
  replace(i: number, units: readonly number[], absorb = true): void {
    const layer = this.layers[i];
    if (!layer)
      throw new RangeError(`ContinualBackprop.replace: no hidden layer ${i} (there are ${this.layers.length})`);
    for (const u of units)
      if (!(Number.isInteger(u) && u >= 0 && u < layer.units))
        throw new RangeError(`ContinualBackprop.replace: unit ${u} is not in 0..${layer.units - 1}`);
    if (new Set(units).size !== units.length) throw new Error('ContinualBackprop.replace: a unit is listed twice');
    if (units.length === 0) return;
    const s = this.state[i];
    const k = units.length;
    const idx = Int32Array.from(units);
    const kernels = getBackend().units;
    const { layer: cur, next, incoming, outgoing } = layer;
    noGrad(() => {
      const bound = layer.gain * Math.sqrt(3 / layer.fanIn);
      const fresh = rand([k, layer.fanIn], { generator: this.generator, dtype: cur.weight.dtype })
        .mul(2 * bound)
        .sub(bound);
      const src = denseRead(fresh);
      updateInPlace(cur.weight, (w) =>
        kernels.setUnits(w, incoming.outer, incoming.units, incoming.inner, idx, src, 0),
      );
      if (cur.bias) updateInPlace(cur.bias, (b) => kernels.setUnits(b, 1, layer.units, 1, idx, null, 0));
      if (absorb && next.bias) {
        const fHat = this.meanActivations(i);
        const scale = Float64Array.from(units.map((u) => fHat[u]));
        const w = denseRead(next.weight);
        updateInPlace(next.bias, (b) =>
          kernels.absorbUnits(w, outgoing.outer, outgoing.units, outgoing.inner, idx, scale, b),
        );
      }
      updateInPlace(next.weight, (w) =>
        kernels.setUnits(w, outgoing.outer, outgoing.units, outgoing.inner, idx, null, 0),
      );
    });
    for (const u of units) {
      s.ages[u] = 0;
      s.etaPow[u] = 1;
      s.utility[u] = 0;
      s.mean[u] = 0;
      s.redoSum[u] = 0;
    }
    this.resetOptimizerState(cur.weight, incoming, idx);
    if (cur.bias) this.resetOptimizerState(cur.bias, { outer: 1, units: layer.units, inner: 1 }, idx);
    this.resetOptimizerState(next.weight, outgoing, idx);
  }

  /** Zeroes the optimizer state of `param`'s unit slices; Adam gets a per-element step count restarted there. */
  private resetOptimizerState(param: Tensor, view: UnitView, idx: Int32Array): void {
    const state = this.optimizer?.state.get(param) as Record<string, Tensor | number> | undefined;
    if (!state) return;
    // Adam-family state: a scalar step with moment estimates. The bias correction restarts per element.
    if (typeof state.step === 'number' && state.expAvg instanceof Tensor && !(state.elementStep instanceof Tensor))
      state.elementStep = zerosFor(param, state.step);
    const kernels = getBackend().units;
    for (const value of Object.values(state)) {
      if (!(value instanceof Tensor) || value.numel() !== param.numel()) continue;
      kernels.setUnits(denseView(value), view.outer, view.units, view.inner, idx, null, 0);
    }
  }

  /** L2, L2-Init and Shrink & Perturb, on every parameter of the model, in one kernel pass each. */
  private applyPenalties(): void {
    const { l2 = 0, l2Init = 0, shrinkPerturb } = this.options;
    if (l2 === 0 && l2Init === 0 && !shrinkPerturb) return;
    const lr = this.options.lr ?? this.optimizer?.paramGroups[0]?.lr;
    if (lr === undefined)
      throw new OptionError('ContinualBackprop: l2, l2Init and shrinkPerturb need an optimizer or the lr option');
    // θ ← θ − lr·(l2 + wd)·θ − lr·l2Init·(θ − θ₀) + σ·ε
    const decay = l2 + (shrinkPerturb?.weightDecay ?? 0);
    const shrink = 1 - lr * decay - lr * l2Init;
    const noise = shrinkPerturb?.noise ?? 0;
    const kernels = getBackend().units;
    for (const p of this.params) {
      const anchor = this.initial ? denseRead(this.initial.get(p)!) : null;
      updateInPlace(p, (data) => kernels.shrinkPerturb(data, shrink, anchor, lr * l2Init, noise, this.noiseState));
    }
  }

  /** `fit` callback: takes fit's optimizer when none was given. */
  onTrainBegin(ctx: TrainingContext): void {
    if (!this.optimizer && ctx.optimizer instanceof Optimizer) this.optimizer = ctx.optimizer as Optimizer<BaseHyper>;
  }

  /** `fit` callback: one step after every optimizer step. */
  onBatchEnd(): void {
    this.step();
  }
}
