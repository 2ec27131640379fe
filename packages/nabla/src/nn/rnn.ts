/**
 * Recurrent layers RNN, LSTM and GRU with PyTorch's parameter names (`weight_ih_l0`,
 * `bias_hh_l1_reverse`, ...), gate order (LSTM i,f,g,o; GRU r,z,n), U(±1/√hidden) init and
 * options (numLayers, bias, batchFirst, dropout, bidirectional). Composites of matmul and
 * activations, so autograd runs through time.
 *
 * `forward(x)` returns the output sequence only (so a layer fits in `Sequential`);
 * `forwardWithState(x, state?)` returns PyTorch's tuple: `[output, hN]` (RNN, GRU) or
 * `[output, [hN, cN]]` (LSTM).
 */
import { linear } from '../ops/matmul.js';
import { cat, stack } from '../ops/movement.js';
import { full, zeros } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { dropout } from './functional/dropout.js';
import { uniform_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface RNNOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output as [N, L, features] instead of [L, N, features]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last (training mode only). */
  dropout?: number;
  bidirectional?: boolean;
}

type Kind = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
const GATES: Record<Kind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

interface Weights {
  wIh: Parameter;
  wHh: Parameter;
  bIh: Parameter | null;
  bHh: Parameter | null;
}

abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  private readonly cells: Weights[] = [];

  constructor(
    private readonly kind: Kind,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RNNOptions = {},
  ) {
    super();
    const { numLayers = 1, bias = true, batchFirst = false, dropout: p = 0, bidirectional = false } = options;
    if (![inputSize, hiddenSize, numLayers].every((n) => Number.isInteger(n) && n > 0)) {
      throw new RangeError(
        `${this.constructor.name}: inputSize, hiddenSize and numLayers must be positive integers, got ${inputSize}, ${hiddenSize}, ${numLayers}`,
      );
    }
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${this.constructor.name}: dropout must be in [0, 1], got ${p}`);
    [this.numLayers, this.bias, this.batchFirst, this.dropout, this.bidirectional] = [
      numLayers,
      bias,
      batchFirst,
      p,
      bidirectional,
    ];
    const g = GATES[kind] * hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    const param = (name: string, shape: number[]): Parameter =>
      this.registerParameter(name, new Parameter(uniform_(zeros(shape), -k, k)));
    for (let l = 0; l < numLayers; l++) {
      for (const sfx of bidirectional ? ['', '_reverse'] : ['']) {
        const inSize = l === 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1);
        const wIh = param(`weight_ih_l${l}${sfx}`, [g, inSize]);
        const wHh = param(`weight_hh_l${l}${sfx}`, [g, hiddenSize]);
        const bIh = bias ? param(`bias_ih_l${l}${sfx}`, [g]) : null;
        const bHh = bias ? param(`bias_hh_l${l}${sfx}`, [g]) : null;
        this.cells.push({ wIh, wHh, bIh, bHh });
      }
    }
  }

  /** One time step: the new hidden state (and cell state for LSTM). */
  private step(w: Weights, xProj: Tensor, h: Tensor, c: Tensor | null): [Tensor, Tensor | null] {
    const hProj = linear(h, w.wHh, w.bHh ?? undefined);
    if (this.kind === 'RNN_TANH') return [xProj.add(hProj).tanh(), null];
    if (this.kind === 'RNN_RELU') return [xProj.add(hProj).relu(), null];
    if (this.kind === 'LSTM') {
      const [i, f, g, o] = xProj.add(hProj).chunk(4, -1);
      const c2 = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      return [o.sigmoid().mul(c2.tanh()), c2];
    }
    const [xr, xz, xn] = xProj.chunk(3, -1);
    const [hr, hz, hn] = hProj.chunk(3, -1);
    const r = xr.add(hr).sigmoid();
    const z = xz.add(hz).sigmoid();
    const n = xn.add(r.mul(hn)).tanh();
    return [n.sub(n.mul(z)).add(z.mul(h)), null]; // (1 − z)·n + z·h
  }

  /** Runs every layer and direction over `input`; returns [output, hN, cN | null]. */
  protected run(input: Tensor, h0: Tensor | null, c0: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const name = this.constructor.name;
    const unbatched = input.ndim === 2;
    if (input.ndim !== 2 && input.ndim !== 3)
      throw new Error(`${name}: expected input of 2 or 3 dims, got shape ${formatShape(input.shape)}`);
    let x = unbatched ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input; // [L, N, F]
    if (x.shape[2] !== this.inputSize)
      throw new Error(`${name}: expected ${this.inputSize} input features, got shape ${formatShape(input.shape)}`);
    const [steps, batch] = [x.shape[0], x.shape[1]];
    const dirs = this.bidirectional ? 2 : 1;
    const stateShape = [this.numLayers * dirs, batch, this.hiddenSize];
    const initial = (s: Tensor | null, what: string): Tensor => {
      if (!s) return zeros(stateShape, { dtype: x.dtype });
      const t = unbatched ? s.unsqueeze(1) : s;
      if (t.shape.join() !== stateShape.join())
        throw new Error(
          `${name}: expected ${what} of shape ${formatShape(unbatched ? [stateShape[0], stateShape[2]] : stateShape)}, got ${formatShape(s.shape)}`,
        );
      return t;
    };
    const [H0, C0] = [initial(h0, 'hx'), this.kind === 'LSTM' ? initial(c0, 'cx') : null];
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const w = this.cells[l * dirs + d];
        const xProj = linear(x, w.wIh, w.bIh ?? undefined); // all time steps at once: [L, N, G·H]
        let h = H0.select(0, l * dirs + d);
        let c = C0 ? C0.select(0, l * dirs + d) : null;
        const seq: Tensor[] = new Array<Tensor>(steps);
        for (let k = 0; k < steps; k++) {
          const t = d === 0 ? k : steps - 1 - k;
          [h, c] = this.step(w, xProj.select(0, t), h, c);
          seq[t] = h;
        }
        outs.push(stack(seq, 0));
        hN.push(h);
        if (c) cN.push(c);
      }
      x = dirs === 2 ? cat(outs, 2) : outs[0];
      if (this.dropout > 0 && this.training && l < this.numLayers - 1) x = dropout(x, this.dropout, true);
    }
    const out = unbatched ? x.squeeze(1) : this.batchFirst ? x.transpose(0, 1) : x;
    const pack = (s: Tensor[]): Tensor => (unbatched ? stack(s, 0).squeeze(1) : stack(s, 0));
    return [out, pack(hN), this.kind === 'LSTM' ? pack(cN) : null];
  }

  override extraRepr(): string {
    const opts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) opts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) opts.push('bias=false');
    if (this.batchFirst) opts.push('batchFirst=true');
    if (this.dropout) opts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) opts.push('bidirectional=true');
    return opts.join(', ');
  }
}

/** RNN and GRU: one hidden state `h` in and out (LSTM also carries a cell state). */
abstract class HiddenStateRNN extends RNNBase {
  forward(input: Tensor, hx?: Tensor): Tensor {
    return this.run(input, hx ?? null, null)[0];
  }
  forwardWithState(input: Tensor, hx?: Tensor): [Tensor, Tensor] {
    const [out, h] = this.run(input, hx ?? null, null);
    return [out, h];
  }
}

/**
 * Elman RNN, `h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)` (or ReLU), like `torch.nn.RNN`.
 * @example
 * const [out, hN] = new RNN(3, 5).forwardWithState(randn([7, 2, 3])); // out [7, 2, 5], hN [1, 2, 5]
 */
export class RNN extends HiddenStateRNN {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    super(options.nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH', inputSize, hiddenSize, options);
  }
}

/**
 * Gated recurrent unit, like `torch.nn.GRU`.
 * @example
 * const [out, hN] = new GRU(3, 5, { batchFirst: true }).forwardWithState(randn([2, 7, 3])); // out [2, 7, 5]
 */
export class GRU extends HiddenStateRNN {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }
}

/**
 * Long short-term memory, like `torch.nn.LSTM`: `forwardWithState` gives `[output, [hN, cN]]`.
 * @example
 * const [out, [hN, cN]] = new LSTM(3, 5, { numLayers: 2 }).forwardWithState(randn([7, 2, 3])); // hN [2, 2, 5]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }
  /** The output sequence; the initial state, if any, as separate `h0, c0`. */
  forward(input: Tensor, h0?: Tensor, c0?: Tensor): Tensor {
    return this.run(input, h0 ?? null, c0 ?? null)[0];
  }
  forwardWithState(input: Tensor, state?: readonly [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [out, h, c] = this.run(input, state?.[0] ?? null, state?.[1] ?? null);
    return [out, [h, c!]];
  }
}

/**
 * Pads variable-length sequences ([Li, *]) with `paddingValue` to the longest and stacks them:
 * [Lmax, B, *], or [B, Lmax, *] with `batchFirst`, like `torch.nn.utils.rnn.pad_sequence`.
 * @example
 * padSequence([ones([3, 2]), ones([1, 2])], { batchFirst: true }).shape; // [2, 3, 2]
 */
export function padSequence(
  sequences: readonly Tensor[],
  options: { batchFirst?: boolean; paddingValue?: number } = {},
): Tensor {
  if (sequences.length === 0) throw new Error('padSequence: expected at least one sequence');
  const { batchFirst = false, paddingValue = 0 } = options;
  const longest = Math.max(...sequences.map((s) => s.shape[0]));
  const padded = sequences.map((s) => {
    const extra = longest - s.shape[0];
    return extra === 0 ? s : cat([s, full([extra, ...s.shape.slice(1)], paddingValue, { dtype: s.dtype })], 0);
  });
  return stack(padded, batchFirst ? 0 : 1);
}
