/**
 * The playground's network and its training steps, all through nabla's public API: the layers are
 * `nn.Linear` and nabla's activation modules in an `nn.Sequential`, the loss is
 * `nn.functional.crossEntropy` or `mseLoss`, gradients come from `backward()` (intermediate ones
 * kept with `retainGrad()`), updates from `optim.SGD` / `optim.Adam`. Nothing here computes a
 * derivative by hand: the chain-rule factors shown per edge are autograd's values, and the
 * finite-difference check perturbs a float64 copy of the weights and reruns the forward pass.
 */
import { type Tensor, Generator, grad, manualSeed, nn, noGrad, optim, stack, tensor } from 'nabla';
import type { DataSplit, Points } from './data.js';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'gelu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const FEATURES = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'] as const;
export type Feature = (typeof FEATURES)[number];
export const FEATURE_LABELS: Record<Feature, string> = {
  x1: 'x₁',
  x2: 'x₂',
  x1sq: 'x₁²',
  x2sq: 'x₂²',
  x1x2: 'x₁x₂',
  sinx1: 'sin(πx₁)',
  sinx2: 'sin(πx₂)',
};
export const LOSSES = ['ce', 'mse'] as const;
export type LossName = (typeof LOSSES)[number];
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const INITS = ['default', 'xavier', 'he', 'zeros'] as const;
export type InitName = (typeof INITS)[number];
export const MAX_LAYERS = 8;
export const MAX_UNITS = 64;

export interface NetSettings {
  features: Feature[];
  /** Hidden layer widths (0 to 8 layers of 1 to 64 units). */
  layers: number[];
  activation: Activation;
  /** Cross-entropy (softmax over the outputs) or mean squared error (on one-hot targets for classes). */
  loss: LossName;
  optimizer: OptimizerName;
  lr: number;
  batch: number;
  l1: number;
  l2: number;
  init: InitName;
  seed: number;
}

/** The forward pass of one batch, with every pre-activation `z` and activation `a` kept. */
export interface Trace {
  indices: number[];
  x: Tensor;
  y: Tensor;
  /** zs[l]: layer l's weighted sums plus bias, [batch, units]. */
  zs: Tensor[];
  /** as[0] the input features; as[l + 1] layer l's output (the last one is the network's output). */
  as: Tensor[];
  perSample?: Float32Array;
  dataLoss?: Tensor;
  penalty?: Tensor;
  loss?: Tensor;
  backwardDone?: boolean;
  /** Weights and biases before the update, then after it. */
  before?: { w: Float32Array; b: Float32Array }[];
  after?: { w: Float32Array; b: Float32Array }[];
}

const ACTIVATION_MODULES: Record<Activation, () => nn.Module> = {
  relu: () => new nn.ReLU(),
  tanh: () => new nn.Tanh(),
  sigmoid: () => new nn.Sigmoid(),
  gelu: () => new nn.GELU(),
  linear: () => new nn.Identity(),
};

/** The features of points `x` (x1, x2 pairs), as a [n, features] tensor. */
export function featurize(x: Float32Array, features: readonly Feature[]): Tensor {
  const n = x.length / 2;
  const xy = tensor(x).reshape(n, 2);
  const x1 = xy.select(1, 0);
  const x2 = xy.select(1, 1);
  const column: Record<Feature, () => Tensor> = {
    x1: () => x1,
    x2: () => x2,
    x1sq: () => x1.square(),
    x2sq: () => x2.square(),
    x1x2: () => x1.mul(x2),
    sinx1: () => x1.mul(Math.PI).sin(),
    sinx2: () => x2.mul(Math.PI).sin(),
  };
  return stack(
    features.map((f) => column[f]()),
    1,
  );
}

/** Checks settings against the playground's limits; the message names the setting. */
export function checkNetSettings(s: NetSettings): void {
  if (!s.features.length) throw new Error('pick at least one input feature');
  if (s.layers.length > MAX_LAYERS) throw new Error(`at most ${MAX_LAYERS} hidden layers, got ${s.layers.length}`);
  for (const w of s.layers)
    if (!Number.isInteger(w) || w < 1 || w > MAX_UNITS)
      throw new Error(`a layer has 1 to ${MAX_UNITS} units, got ${w}`);
  if (!(s.lr > 0)) throw new Error(`the learning rate must be above 0, got ${s.lr}`);
  if (!Number.isInteger(s.batch) || s.batch < 1)
    throw new Error(`the batch size must be a whole number ≥ 1, got ${s.batch}`);
}

export class Network {
  readonly model: nn.Sequential;
  readonly linears: nn.Linear[];
  readonly act: nn.Module;
  readonly optimizer: optim.SGD | optim.Adam;
  readonly outputs: number;
  readonly train: Tensor;
  readonly test: Tensor;
  /** Optimizer steps taken. */
  steps = 0;
  private readonly shuffle: Generator;
  private order: number[] = [];
  private orderEpoch = -1;

  constructor(
    readonly settings: NetSettings,
    readonly data: DataSplit,
  ) {
    checkNetSettings(settings);
    const classes = data.train.classes;
    if (classes === 0 && settings.loss === 'ce')
      throw new Error('cross-entropy needs classes; a regression target takes the squared error (MSE)');
    this.outputs = classes === 0 ? 1 : classes;
    const widths = [settings.features.length, ...settings.layers, this.outputs];
    // The weights come from the seeded default generator, as `nn.Linear` draws them.
    manualSeed(settings.seed);
    const layers: nn.Module[] = [];
    this.linears = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const linear = new nn.Linear(widths[l], widths[l + 1]);
      this.linears.push(linear);
      layers.push(linear);
      if (l + 2 < widths.length) layers.push(ACTIVATION_MODULES[settings.activation]());
    }
    this.model = new nn.Sequential(...layers);
    this.act = ACTIVATION_MODULES[settings.activation]();
    this.initialise();
    const params = this.model.parameters();
    this.optimizer =
      settings.optimizer === 'adam'
        ? new optim.Adam(params, { lr: settings.lr })
        : new optim.SGD(params, { lr: settings.lr, momentum: settings.optimizer === 'momentum' ? 0.9 : 0 });
    this.shuffle = new Generator(settings.seed + 1);
    this.train = featurize(data.train.x, settings.features);
    this.test = featurize(data.test.x, settings.features);
  }

  private initialise(): void {
    const { init, activation } = this.settings;
    if (init === 'default') return; // nn.Linear's own: PyTorch's kaiming-uniform(a=√5)
    const gain =
      activation === 'relu' || activation === 'gelu' ? 'relu' : activation === 'linear' ? 'linear' : activation;
    for (const l of this.linears) {
      if (init === 'zeros') nn.init.zeros_(l.weight);
      else if (init === 'xavier') nn.init.xavierUniform_(l.weight, nn.init.calculateGain(gain));
      else nn.init.kaimingNormal_(l.weight, { nonlinearity: 'relu' });
      if (l.bias) nn.init.zeros_(l.bias);
    }
  }

  get classes(): number {
    return this.data.train.classes;
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.data.train.y.length / this.settings.batch);
  }

  get epoch(): number {
    return this.steps / this.batchesPerEpoch;
  }

  /** The train-set indices of the next step's batch (a new shuffle at each epoch's start). */
  nextBatch(): number[] {
    const n = this.data.train.y.length;
    const pos = this.steps % this.batchesPerEpoch;
    const epoch = Math.floor(this.steps / this.batchesPerEpoch);
    if (epoch !== this.orderEpoch) {
      this.orderEpoch = epoch;
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = this.shuffle.integer(0, i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      this.order = perm;
    }
    const b = this.settings.batch;
    return this.order.slice(pos * b, Math.min(n, (pos + 1) * b));
  }

  /** Targets of the given train-set rows: int32 classes, or a [n, 1] float column. */
  targets(points: Points, indices: number[] | null): Tensor {
    const values = indices ? Float32Array.from(indices, (i) => points.y[i]) : points.y;
    return this.classes === 0 ? tensor(values).reshape(values.length, 1) : tensor(values).to('int32');
  }

  /** The forward pass; with `keep`, intermediate gradients are retained for display. */
  forward(x: Tensor, keep = false): { zs: Tensor[]; as: Tensor[] } {
    const zs: Tensor[] = [];
    const as: Tensor[] = [x];
    let a = x;
    this.linears.forEach((linear, l) => {
      const z = linear.forward(a);
      if (keep && z.requiresGrad) z.retainGrad();
      zs.push(z);
      a = l + 1 < this.linears.length ? this.act.forward(z) : z;
      if (keep && a !== z && a.requiresGrad) a.retainGrad();
      as.push(a);
    });
    return { zs, as };
  }

  /** Per-sample data loss, [n]. */
  perSampleLoss(out: Tensor, y: Tensor): Tensor {
    if (this.settings.loss === 'ce') return nn.functional.crossEntropy(out, y, { reduction: 'none' });
    const target = this.classes === 0 ? y : nn.functional.oneHot(y, this.outputs).to(out.dtype);
    return nn.functional.mseLoss(out, target, { reduction: 'none' }).mean(1);
  }

  /** The mean data loss, as the optimizer sees it (PyTorch's reduction 'mean'). */
  dataLoss(out: Tensor, y: Tensor): Tensor {
    if (this.settings.loss === 'ce') return nn.functional.crossEntropy(out, y);
    const target = this.classes === 0 ? y : nn.functional.oneHot(y, this.outputs).to(out.dtype);
    return nn.functional.mseLoss(out, target);
  }

  /** l1·Σ|w| + (l2/2)·Σw² over the weights (not the biases): its gradient is l1·sign(w) + l2·w. */
  penalty(weights: Tensor[] = this.linears.map((l) => l.weight)): Tensor | null {
    const { l1, l2 } = this.settings;
    if (!l1 && !l2) return null;
    let total: Tensor | null = null;
    for (const w of weights) {
      let term: Tensor | null = null;
      if (l1) term = w.abs().sum().mul(l1);
      if (l2) {
        const sq = w
          .square()
          .sum()
          .mul(l2 / 2);
        term = term ? term.add(sq) : sq;
      }
      total = total && term ? total.add(term) : term;
    }
    return total;
  }

  /** One training step (forward, loss, backward, update) on the next batch; returns the loss. */
  step(): number {
    const trace = this.startTrace(false);
    this.lossStep(trace);
    this.backwardStep(trace);
    this.updateStep(trace, false);
    return trace.loss!.item();
  }

  /** Step 1: the forward pass of the next batch. */
  startTrace(keep = true): Trace {
    return this.traceOf(this.nextBatch(), keep);
  }

  /** The forward pass of the given train-set rows. */
  traceOf(indices: number[], keep = true): Trace {
    const x = this.train.indexSelect(0, tensor(indices, { dtype: 'int32' }));
    const y = this.targets(this.data.train, indices);
    return { indices, x, y, ...this.forward(x, keep) };
  }

  /** Step 2: the loss (and each sample's share of it). */
  lossStep(trace: Trace): void {
    const out = trace.as[trace.as.length - 1];
    trace.dataLoss = this.dataLoss(out, trace.y);
    trace.penalty = this.penalty() ?? undefined;
    trace.loss = trace.penalty ? trace.dataLoss.add(trace.penalty) : trace.dataLoss;
    trace.perSample = noGrad(() => this.perSampleLoss(out.detach(), trace.y).toTypedArray() as Float32Array);
  }

  /** Step 3: backpropagation, gradients into every weight's `.grad`. */
  backwardStep(trace: Trace): void {
    this.optimizer.zeroGrad();
    trace.loss!.backward();
    trace.backwardDone = true;
  }

  /** Step 4: the optimizer's update (with `record`, the weights before and after). */
  updateStep(trace: Trace, record = true): void {
    if (record) trace.before = this.snapshot();
    this.optimizer.step();
    if (record) trace.after = this.snapshot();
    this.steps++;
  }

  snapshot(): { w: Float32Array; b: Float32Array }[] {
    return this.linears.map((l) => ({
      w: Float32Array.from(l.weight.toTypedArray()),
      b: Float32Array.from(l.bias!.toTypedArray()),
    }));
  }

  /** Mean data loss and accuracy (classes) of a whole set, without recording a graph. */
  evaluate(which: 'train' | 'test'): { loss: number; accuracy: number | null } {
    const points = which === 'train' ? this.data.train : this.data.test;
    if (!points.y.length) return { loss: Number.NaN, accuracy: null };
    return noGrad(() => {
      const x = which === 'train' ? this.train : this.test;
      const y = this.targets(points, null);
      const out = this.model.forward(x);
      const loss = this.dataLoss(out, y).item();
      const accuracy = this.classes === 0 ? null : out.argmax(1).eq(y).to('float32').mean().item();
      return { loss, accuracy };
    });
  }

  /**
   * Every layer's activations over points `x` (x1, x2 pairs): one [n, units] array per layer,
   * input first; and the prediction (softmax probabilities [n, classes], or values [n, 1]).
   */
  activations(x: Float32Array): { acts: Float32Array[]; prediction: Float32Array } {
    return noGrad(() => {
      const { as } = this.forward(featurize(x, this.settings.features));
      const out = as[as.length - 1];
      return {
        acts: as.map((a) => a.toTypedArray() as Float32Array),
        prediction: (this.classes === 0 ? out : out.softmax(1)).toTypedArray() as Float32Array,
      };
    });
  }

  /** The network's prediction over points: class probabilities [n, classes] or values [n, 1]. */
  predict(x: Float32Array): Float32Array {
    return noGrad(() => {
      const out = this.model.forward(featurize(x, this.settings.features));
      return (this.classes === 0 ? out : out.softmax(1)).toTypedArray() as Float32Array;
    });
  }

  /** Hidden units with ReLU that no train point activates (z ≤ 0 on all of them): [layer][unit]. */
  deadUnits(): boolean[][] {
    if (this.settings.activation !== 'relu') return this.settings.layers.map((w) => new Array<boolean>(w).fill(false));
    return noGrad(() => {
      const { zs } = this.forward(this.train);
      return zs.slice(0, -1).map((z) => Array.from(z.gt(0).any(0).toTypedArray(), (alive) => !alive));
    });
  }

  /** d a / d z of the activation at each of `z`'s values, by autograd on a detached copy. */
  localDerivative(z: Tensor): Tensor {
    const leaf = z.detach().clone().requiresGrad_();
    const [d] = grad(this.act.forward(leaf).sum(), [leaf]);
    return d!;
  }

  /**
   * The numbers behind one edge's gradient dL/dw[i][j] of linear layer `layer` after the
   * backward step: for batch row `row`, upstream dL/da_i × local da_i/dz_i × input a_j; their
   * sum over the batch; the penalty's share; autograd's `weight.grad`; a central finite
   * difference of the float64 loss.
   */
  edgeDetail(trace: Trace, layer: number, i: number, j: number, row: number): EdgeDetail {
    const last = layer === this.linears.length - 1;
    const z = trace.zs[layer];
    const width = z.shape[1];
    const at = (t: Tensor, r: number, c: number, w: number) => (t.toTypedArray() as Float32Array)[r * w + c];
    const inWidth = trace.as[layer].shape[1];
    const upstream = last ? at(z.grad!, row, i, width) : at(trace.as[layer + 1].grad!, row, i, width);
    const local = last ? 1 : at(this.localDerivative(z), row, i, width);
    const input = at(trace.as[layer], row, j, inWidth);
    const w = this.linears[layer].weight;
    const batchSum = noGrad(() => z.grad!.select(1, i).mul(trace.as[layer].select(1, j)).sum().item());
    let penaltyGrad = 0;
    const weights = this.linears.map((l) => l.weight.detach().clone().requiresGrad_());
    const pen = this.penalty(weights);
    if (pen) penaltyGrad = at(grad(pen, [weights[layer]])[0]!, i, j, inWidth);
    return {
      layer,
      i,
      j,
      row,
      sample: trace.indices[row],
      upstream,
      local,
      input,
      product: upstream * local * input,
      batchSum,
      penaltyGrad,
      autograd: at(w.grad!, i, j, inWidth),
      finiteDifference: this.finiteDifference(trace, layer, i, j),
      weight: at(w, i, j, inWidth),
    };
  }

  /**
   * (L(w + h) − L(w − h)) / 2h for one weight, in float64 through nabla's functional forward, at
   * the weights the trace's backward pass saw.
   */
  finiteDifference(trace: Trace, layer: number, i: number, j: number, h = 1e-5): number {
    return noGrad(() => {
      // After the update step the gradient belongs to the weights before it.
      const before = trace.before;
      const ws = this.linears.map((l, k) =>
        before
          ? tensor(before[k].w).reshape(l.outFeatures, l.inFeatures).to('float64')
          : l.weight.detach().to('float64'),
      );
      const bs = this.linears.map((l, k) => (before ? tensor(before[k].b) : l.bias!.detach()).to('float64'));
      const x = trace.x.to('float64');
      const w = ws[layer];
      const hot = new Float64Array(w.shape[0] * w.shape[1]);
      hot[i * w.shape[1] + j] = 1;
      const oneHot = tensor(hot);
      const lossAt = (delta: number): number => {
        const moved = ws.slice();
        moved[layer] = w.add(oneHot.reshape(w.shape[0], w.shape[1]).mul(delta));
        let a = x;
        moved.forEach((wl, l) => {
          const z = nn.functional.linear(a, wl, bs[l]);
          a = l + 1 < moved.length ? this.act.forward(z) : z;
        });
        const y = this.classes === 0 ? trace.y.to('float64') : trace.y;
        const data = this.dataLoss(a, y);
        const pen = this.penalty(moved);
        return (pen ? data.add(pen) : data).item();
      };
      return (lossAt(h) - lossAt(-h)) / (2 * h);
    });
  }

  /** A unit's forward numbers for batch row `row`: bias, weighted sum, z and activation. */
  unitDetail(trace: Trace, layer: number, i: number, row: number): UnitDetail {
    const z = trace.zs[layer];
    const width = z.shape[1];
    const inWidth = trace.as[layer].shape[1];
    const zv = (z.toTypedArray() as Float32Array)[row * width + i];
    const a = (trace.as[layer + 1].toTypedArray() as Float32Array)[row * width + i];
    // The weights this forward pass used (after an update step: the ones before it).
    const before = trace.before?.[layer];
    const w = before ? before.w : (this.linears[layer].weight.toTypedArray() as Float32Array);
    const bias = before ? before.b[i] : (this.linears[layer].bias!.toTypedArray() as Float32Array)[i];
    const input = trace.as[layer].toTypedArray() as Float32Array;
    const terms = Array.from({ length: inWidth }, (_, j) => ({
      j,
      w: w[i * inWidth + j],
      a: input[row * inWidth + j],
    }));
    const weightedSum = noGrad(() =>
      trace.as[layer]
        .select(0, row)
        .mul(tensor(w.subarray(i * inWidth, (i + 1) * inWidth)))
        .sum()
        .item(),
    );
    return { layer, i, row, sample: trace.indices[row], bias, z: zv, weightedSum, a, terms };
  }

  /** Optimizer state of one weight (Adam's moments and step, or SGD's momentum buffer). */
  optimizerState(layer: number, i: number, j: number): Record<string, number> {
    const w = this.linears[layer].weight;
    const st = this.optimizer.state.get(w) as Record<string, Tensor | number> | undefined;
    if (!st) return {};
    const out: Record<string, number> = {};
    const k = i * w.shape[1] + j;
    for (const [name, v] of Object.entries(st))
      if (v !== undefined) out[name] = typeof v === 'number' ? v : (v.toTypedArray() as Float32Array)[k];
    return out;
  }
}

export interface EdgeDetail {
  layer: number;
  i: number;
  j: number;
  row: number;
  sample: number;
  upstream: number;
  local: number;
  input: number;
  product: number;
  batchSum: number;
  penaltyGrad: number;
  autograd: number;
  finiteDifference: number;
  weight: number;
}

export interface UnitDetail {
  layer: number;
  i: number;
  row: number;
  sample: number;
  bias: number;
  z: number;
  weightedSum: number;
  a: number;
  terms: { j: number; w: number; a: number }[];
}
