/**
 * The hidden layers of a feed-forward network as continual backprop sees them: each `Linear` or
 * `Conv2d` whose units (rows; channels for a convolution) feed the next such layer, the module
 * whose output is the layer's features, and how to view the weights unit by unit.
 */
import { calculateGain } from '../nn/init.js';
import { Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { ELU, GELU, LeakyReLU, Mish, ReLU, SELU, SiLU, Sigmoid, Tanh } from '../nn/activation.js';
import { OptionError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** A tensor viewed as `[outer, units, inner]` (see backend/unit-kernels.ts). */
export interface UnitView {
  readonly outer: number;
  readonly units: number;
  readonly inner: number;
}

/** One hidden layer: its units, their incoming and outgoing weights, and where its features come from. */
export interface HiddenLayer {
  /** The layer whose units are tested (a `Linear` or a `Conv2d`). */
  readonly layer: Linear | Conv2d;
  /** The layer its features feed (a `Linear` after a `Flatten` for the conv→linear boundary). */
  readonly next: Linear | Conv2d;
  /** The module whose output is the layer's features (its activation), or null if there is none. */
  readonly activation: Module | null;
  /** Gain of the activation (`calculateGain`): replaced units draw incoming weights from U(−b, b), b = gain·√(3/fanIn). */
  readonly gain: number;
  readonly units: number;
  readonly fanIn: number;
  /** `layer.weight` by unit: `[1, units, fanIn]`. */
  readonly incoming: UnitView;
  /** `next.weight` by unit: `[nextOut, units, positions]` (positions: the kernel taps, or the flattened pixels of a channel). */
  readonly outgoing: UnitView;
}

const WEIGHT_LAYERS = [Linear, Conv2d] as const;

function isWeightLayer(m: Module): m is Linear | Conv2d {
  return WEIGHT_LAYERS.some((k) => m instanceof k);
}

/** The gain `calculateGain` gives the activation module (ReLU-like ones count as ReLU, as the authors' code does). */
export function activationGain(m: Module | null): number {
  if (m === null) return 1;
  if (m instanceof ReLU || m instanceof ELU || m instanceof SiLU || m instanceof GELU || m instanceof Mish)
    return calculateGain('relu');
  if (m instanceof LeakyReLU) return calculateGain('leaky_relu', m.negativeSlope);
  if (m instanceof Tanh) return calculateGain('tanh');
  if (m instanceof Sigmoid || m instanceof SELU) return 1;
  return 1;
}

function isActivation(m: Module): boolean {
  return [ReLU, ELU, SiLU, GELU, Mish, LeakyReLU, Tanh, Sigmoid, SELU].some((k) => m instanceof k);
}

function units(layer: Linear | Conv2d): number {
  return layer instanceof Linear ? layer.outFeatures : layer.outChannels;
}

function describe(layer: Linear | Conv2d): string {
  return layer instanceof Linear
    ? `Linear(${layer.inFeatures}, ${layer.outFeatures})`
    : `Conv2d(${layer.inChannels}, ${layer.outChannels})`;
}

/**
 * The hidden layers of `model`, read from its leaf modules in registration order: every `Linear`
 * or `Conv2d` but the last, paired with the next one; the first activation module between them
 * gives the features and the gain (`gain` overrides it). Throws for a pairing it cannot map unit by
 * unit (a `Linear` feeding a `Conv2d`, grouped convolutions, sizes that do not match).
 * @example
 * const net = new nn.Sequential(new nn.Linear(20, 5), new nn.ReLU(), new nn.Linear(5, 1));
 * hiddenLayers(net)[0].units; // 5
 */
export function hiddenLayers(model: Module, gain?: number): HiddenLayer[] {
  const leaves = model.modules().filter((m) => m.children().length === 0);
  const out: HiddenLayer[] = [];
  let current: (Linear | Conv2d) | null = null;
  let activation: Module | null = null;
  for (const m of leaves) {
    if (isWeightLayer(m)) {
      if (current) out.push(pair(current, m, activation, gain));
      current = m;
      activation = null;
    } else if (current && activation === null && isActivation(m)) {
      activation = m;
    }
  }
  if (out.length === 0)
    throw new OptionError(
      `hiddenLayers: ${model.constructor.name} has no hidden layer (it needs a Linear or Conv2d followed by another)`,
    );
  return out;
}

function pair(layer: Linear | Conv2d, next: Linear | Conv2d, activation: Module | null, gain?: number): HiddenLayer {
  const n = units(layer);
  const w = layer.weight;
  const fanIn = w.numel() / n;
  if (layer instanceof Conv2d && layer.groups !== 1)
    throw new OptionError(
      `continual backprop: ${describe(layer)} has groups=${layer.groups}; only groups=1 is supported`,
    );
  let outgoing: UnitView;
  if (next instanceof Linear) {
    if (next.inFeatures % n !== 0)
      throw new OptionError(
        `continual backprop: ${describe(layer)} has ${n} units but the next layer ${describe(next)} takes ${next.inFeatures} inputs (not a multiple)`,
      );
    if (layer instanceof Linear && next.inFeatures !== n)
      throw new OptionError(
        `continual backprop: ${describe(layer)} feeds ${describe(next)}; their sizes differ (${n} vs ${next.inFeatures})`,
      );
    outgoing = { outer: next.outFeatures, units: n, inner: next.inFeatures / n };
  } else {
    if (layer instanceof Linear)
      throw new OptionError(
        `continual backprop: ${describe(layer)} feeds ${describe(next)}; a Linear layer feeding a Conv2d is not supported`,
      );
    if (next.inChannels !== n || next.groups !== 1)
      throw new OptionError(
        `continual backprop: ${describe(layer)} feeds ${describe(next)} (groups ${next.groups}); expected ${n} input channels and groups=1`,
      );
    outgoing = { outer: next.outChannels, units: n, inner: next.weight.numel() / (next.outChannels * n) };
  }
  return {
    layer,
    next,
    activation,
    gain: gain ?? activationGain(activation),
    units: n,
    fanIn,
    incoming: { outer: 1, units: n, inner: fanIn },
    outgoing,
  };
}

/** Features `[batch, units, ...]` viewed by unit; throws when they do not match the layer. */
export function featureView(h: Tensor, layer: HiddenLayer, index: number): UnitView {
  if (h.ndim < 2 || h.shape[1] !== layer.units)
    throw new Error(
      `continual: features of hidden layer ${index} have shape [${h.shape.join(', ')}]; expected [batch, ${layer.units}, ...]`,
    );
  return { outer: h.shape[0], units: layer.units, inner: h.numel() / (h.shape[0] * layer.units) };
}

/**
 * Records the output of each hidden layer's activation module on every forward pass, by wrapping
 * that module's `forward` (a forward hook); `release()` puts the original back.
 */
export class FeatureTap {
  /** The latest features of each hidden layer (null before the first forward pass). */
  readonly features: (Tensor | null)[];
  private readonly restore: (() => void)[] = [];

  constructor(layers: readonly HiddenLayer[]) {
    this.features = layers.map(() => null);
    layers.forEach((l, i) => {
      const m = l.activation;
      if (!m) return;
      const own = Object.hasOwn(m, 'forward');
      const previous = m.forward;
      m.forward = (...inputs: Tensor[]): Tensor => {
        const y = previous.apply(m, inputs);
        this.features[i] = y;
        return y;
      };
      this.restore.push(() => {
        if (own) m.forward = previous;
        else delete (m as { forward?: unknown }).forward;
      });
    });
  }

  /** Stops recording (restores each wrapped module, newest wrapper first). */
  release(): void {
    for (const r of this.restore.reverse()) r();
    this.restore.length = 0;
  }
}
