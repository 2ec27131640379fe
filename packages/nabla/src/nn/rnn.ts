/**
 * Recurrent layers RNN, LSTM and GRU with PyTorch's parameter names (`weight_ih_l0`,
 * `bias_hh_l1_reverse`, ...), gate order (LSTM i,f,g,o; GRU r,z,n), U(±1/√hidden) init and
 * options (numLayers, bias, batchFirst, dropout, bidirectional). Composites of matmul and
 * activations, so autograd runs through time.
 *
 * `forward(x, state?)` returns PyTorch's tuple: `[output, hN]` (RNN, GRU) or `[output, [hN, cN]]`
 * (LSTM). `x` is a padded tensor or a `PackedSequence` (variable-length sequences); the output is
 * of the same kind.
 */
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import { indexSelect } from '../ops/indexing.js';
import { linear } from '../ops/matmul.js';
import { cat, stack } from '../ops/movement.js';
import { zeros } from '../tensor/create.js';
import { OptionError, ShapeError } from '../tensor/errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { dropout } from './functional/dropout.js';
import { uniform_ } from './init.js';
import { Module } from './module.js';
import { PackedSequence } from './packed-sequence.js';
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

const RNN_KEYS: OptionKeys<RNNOptions> = {
  numLayers: true,
  bias: true,
  batchFirst: true,
  dropout: true,
  bidirectional: true,
};
/** `RNN` also takes `nonlinearity`; GRU and LSTM do not. */
const ELMAN_KEYS: OptionKeys<RNNOptions & { nonlinearity?: 'tanh' | 'relu' }> = { ...RNN_KEYS, nonlinearity: true };

type Kind = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
const GATES: Record<Kind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

interface Weights {
  wIh: Parameter;
  wHh: Parameter;
  bIh: Parameter | null;
  bHh: Parameter | null;
}

abstract class RNNBase<In extends unknown[], Out> extends Module<In, Out> {
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
    checkOptions<RNNOptions>(this.constructor.name, options, kind.startsWith('RNN') ? ELMAN_KEYS : RNN_KEYS);
    const { numLayers = 1, bias = true, batchFirst = false, dropout: p = 0, bidirectional = false } = options;
    if (![inputSize, hiddenSize, numLayers].every((n) => Number.isInteger(n) && n > 0)) {
      throw new OptionError(
        `${this.constructor.name}: inputSize, hiddenSize and numLayers must be positive integers, got ${inputSize}, ${hiddenSize}, ${numLayers}`,
      );
    }
    if (!(p >= 0 && p <= 1)) throw new OptionError(`${this.constructor.name}: dropout must be in [0, 1], got ${p}`);
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

  /**
   * Runs every layer and direction over `input` (a padded tensor or a PackedSequence); returns
   * [output, hN, cN | null] with the output of the same kind as the input.
   */
  protected run(
    input: Tensor | PackedSequence,
    h0: Tensor | null,
    c0: Tensor | null,
  ): [Tensor | PackedSequence, Tensor, Tensor | null] {
    if (input instanceof PackedSequence) return this.runPacked(input, h0, c0);
    const name = this.constructor.name;
    const unbatched = input.ndim === 2;
    if (input.ndim !== 2 && input.ndim !== 3)
      throw new ShapeError(`${name}: expected input of 2 or 3 dims, got shape ${formatShape(input.shape)}`);
    let x = unbatched ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input; // [L, N, F]
    this.checkFeatures(x.shape[2], input.shape);
    const [steps, batch] = [x.shape[0], x.shape[1]];
    const [H0, C0] = this.initialStates(h0, c0, batch, x.dtype, unbatched, null);
    const dirs = this.bidirectional ? 2 : 1;
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

  private checkFeatures(features: number, shape: readonly number[]): void {
    if (features !== this.inputSize)
      throw new ShapeError(
        `${this.constructor.name}: expected ${this.inputSize} input features, got shape ${formatShape(shape)}`,
      );
  }

  /** h0 and c0 as [layers·dirs, N, H] (zeros when not given), rows put in `order` when packed and sorted. */
  private initialStates(
    h0: Tensor | null,
    c0: Tensor | null,
    batch: number,
    dtype: Tensor['dtype'],
    unbatched: boolean,
    order: Tensor | null,
  ): [Tensor, Tensor | null] {
    const stateShape = [this.numLayers * (this.bidirectional ? 2 : 1), batch, this.hiddenSize];
    const initial = (s: Tensor | null, what: string): Tensor => {
      if (!s) return zeros(stateShape, { dtype });
      const t = unbatched ? s.unsqueeze(1) : s;
      if (t.shape.join() !== stateShape.join())
        throw new ShapeError(
          `${this.constructor.name}: expected ${what} of shape ${formatShape(unbatched ? [stateShape[0], stateShape[2]] : stateShape)}, got ${formatShape(s.shape)}`,
        );
      return order ? indexSelect(t, 1, order) : t;
    };
    return [initial(h0, 'hx'), this.kind === 'LSTM' ? initial(c0, 'cx') : null];
  }

  /**
   * The packed run: at step t only the first batchSizes[t] rows (the sequences still running) are
   * updated, so each sequence's final state is the one after its own last step, as in PyTorch.
   */
  private runPacked(
    input: PackedSequence,
    h0: Tensor | null,
    c0: Tensor | null,
  ): [PackedSequence, Tensor, Tensor | null] {
    if (input.data.ndim !== 2)
      throw new ShapeError(
        `${this.constructor.name}: expected packed data of 2 dims [rows, features], got shape ${formatShape(input.data.shape)}`,
      );
    this.checkFeatures(input.data.shape[1], input.data.shape);
    const sizes = input.sizes();
    const batch = input.batch;
    const offsets: number[] = [0]; // first packed row of each time step
    for (const n of sizes.slice(0, -1)) offsets.push(offsets[offsets.length - 1] + n);
    const [H0, C0] = this.initialStates(h0, c0, batch, input.data.dtype, false, input.sortedIndices);
    const dirs = this.bidirectional ? 2 : 1;
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    let x = input.data; // [rows, F]
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const w = this.cells[l * dirs + d];
        const xProj = linear(x, w.wIh, w.bIh ?? undefined); // every packed row at once
        const hStart = H0.select(0, l * dirs + d);
        const cStart = C0 ? C0.select(0, l * dirs + d) : null;
        const seq = new Array<Tensor>(sizes.length);
        let h: Tensor;
        let c: Tensor | null;
        if (d === 0) {
          // Forward: sequences drop out as they end; their rows are set aside (later ones come first).
          const doneH: Tensor[] = [];
          const doneC: Tensor[] = [];
          [h, c] = [hStart, cStart];
          for (let t = 0; t < sizes.length; t++) {
            const running = sizes[t];
            if (running < h.shape[0]) {
              doneH.unshift(h.narrow(0, running, h.shape[0] - running));
              h = h.narrow(0, 0, running);
              if (c) {
                doneC.unshift(c.narrow(0, running, c.shape[0] - running));
                c = c.narrow(0, 0, running);
              }
            }
            [h, c] = this.step(w, xProj.narrow(0, offsets[t], running), h, c);
            seq[t] = h;
          }
          h = doneH.length ? cat([h, ...doneH], 0) : h;
          if (c) c = doneC.length ? cat([c, ...doneC], 0) : c;
        } else {
          // Backward: each sequence starts at its own last step, from its initial state.
          h = hStart.narrow(0, 0, 0);
          c = cStart ? cStart.narrow(0, 0, 0) : null;
          for (let t = sizes.length - 1; t >= 0; t--) {
            const running = sizes[t];
            const have = h.shape[0];
            if (running > have) {
              h = cat([h, hStart.narrow(0, have, running - have)], 0);
              if (c && cStart) c = cat([c, cStart.narrow(0, have, running - have)], 0);
            }
            [h, c] = this.step(w, xProj.narrow(0, offsets[t], running), h, c);
            seq[t] = h;
          }
        }
        outs.push(cat(seq, 0));
        hN.push(h);
        if (c) cN.push(c);
      }
      x = dirs === 2 ? cat(outs, 1) : outs[0];
      if (this.dropout > 0 && this.training && l < this.numLayers - 1) x = dropout(x, this.dropout, true);
    }
    // Final states back in the caller's batch order.
    const unsort = (s: Tensor[]): Tensor => {
      const all = stack(s, 0);
      return input.unsortedIndices ? indexSelect(all, 1, input.unsortedIndices) : all;
    };
    return [input.withData(x), unsort(hN), this.kind === 'LSTM' ? unsort(cN) : null];
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
abstract class HiddenStateRNN extends RNNBase<
  [input: Tensor | PackedSequence, hx?: Tensor | null],
  [Tensor | PackedSequence, Tensor]
> {
  /** `[output, hN]`: output [L, N, D·H] (or packed, like the input), hN [layers·D, N, H]. */
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const [out, h] = this.run(input, hx, null);
    return [out, h];
  }
}

/**
 * Elman RNN, `h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)` (or ReLU), like `torch.nn.RNN`.
 * @example
 * const [out, hN] = new RNN(3, 5).forward(randn([7, 2, 3])); // out [7, 2, 5], hN [1, 2, 5]
 */
export class RNN extends HiddenStateRNN {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    super(options.nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH', inputSize, hiddenSize, options);
  }
}

/**
 * Gated recurrent unit, like `torch.nn.GRU`.
 * @example
 * const [out, hN] = new GRU(3, 5, { batchFirst: true }).forward(randn([2, 7, 3])); // out [2, 7, 5], hN [1, 2, 5]
 */
export class GRU extends HiddenStateRNN {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }
}

/**
 * Long short-term memory, like `torch.nn.LSTM`: `forward(x, [h0, c0]?)` gives `[output, [hN, cN]]`.
 * @example
 * const [out, [hN, cN]] = new LSTM(3, 5, { numLayers: 2 }).forward(randn([7, 2, 3])); // out [7, 2, 5], hN [2, 2, 5]
 */
export class LSTM extends RNNBase<
  [input: Tensor | PackedSequence, hx?: readonly [Tensor, Tensor] | null],
  [Tensor | PackedSequence, [Tensor, Tensor]]
> {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  /** `[output, [hN, cN]]`; the initial state, if any, as `[h0, c0]` (PyTorch's `(h_0, c_0)`). */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(
    input: Tensor | PackedSequence,
    hx?: readonly [Tensor, Tensor] | null,
  ): [Tensor | PackedSequence, [Tensor, Tensor]];
  forward(
    input: Tensor | PackedSequence,
    hx: readonly [Tensor, Tensor] | null = null,
  ): [Tensor | PackedSequence, [Tensor, Tensor]] {
    const [out, h, c] = this.run(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [out, [h, c!]];
  }
}
