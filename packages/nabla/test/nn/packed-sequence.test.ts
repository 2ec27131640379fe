/**
 * Variable-length sequences against PyTorch 1.13 (fixture: gen_sequences.py packed):
 * packPaddedSequence's data and batch sizes, RNN/LSTM/GRU over packed input (output unpacked by
 * padPackedSequence, h_n, c_n, gradients wrt the padded input and every parameter), sorted and
 * unsorted lengths; plus gradcheck through pack → GRU → unpack, and the list helpers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  type DType,
  gradcheck,
  manualSeed,
  nn,
  OptionError,
  ones,
  randn,
  ShapeError,
  type Tensor,
  tensor,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

interface Enc {
  dtype: DType;
  shape: number[];
  data: number[];
}
interface Case {
  name: 'RNN' | 'LSTM' | 'GRU';
  options: nn.RNNOptions & { nonlinearity?: 'tanh' | 'relu' };
  lengths: number[];
  enforceSorted: boolean;
  state: Record<string, Enc>;
  x: Enc;
  packedData: Enc;
  batchSizes: number[];
  sortedIndices: number[] | null;
  outPackedData: Enc;
  out: Enc;
  outLengths: number[];
  hN: Enc;
  cN?: Enc;
  h0?: Enc;
  c0?: Enc;
  w: Enc;
  v: Enc;
  gradX: Enc;
  gradParams: Record<string, Enc>;
}
const dec = (e: Enc): Tensor => tensor(e.data, { dtype: e.dtype }).reshape(e.shape);
const fixture = JSON.parse(readFileSync(new URL('../fixtures/sequences.json', import.meta.url), 'utf8'));
const cases = fixture.packed as Case[];
const tol = { rtol: 1e-7, atol: 1e-9 };

describe('RNN layers over packed sequences match PyTorch', () => {
  for (const c of cases) {
    it(`${c.name}(${JSON.stringify(c.options)}), lengths [${c.lengths}]${c.enforceSorted ? '' : ' unsorted'}${c.h0 ? ', h0' : ''}`, () => {
      const m =
        c.name === 'LSTM'
          ? new nn.LSTM(3, 4, c.options)
          : c.name === 'GRU'
            ? new nn.GRU(3, 4, c.options)
            : new nn.RNN(3, 4, c.options);
      m.double();
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, dec(v)])));
      const x = dec(c.x).requiresGrad_();
      const packed = nn.packPaddedSequence(x, c.lengths, {
        batchFirst: c.options.batchFirst,
        enforceSorted: c.enforceSorted,
      });
      assertClose(packed.data, dec(c.packedData), { ...tol, message: 'packed data' });
      assert.deepEqual(packed.batchSizes.tolist(), c.batchSizes);
      assert.deepEqual(packed.sortedIndices?.tolist() ?? null, c.sortedIndices);
      let outPacked: nn.PackedSequence;
      let hN: Tensor;
      let cN: Tensor | null = null;
      if (m instanceof nn.LSTM) [outPacked, [hN, cN]] = m.forward(packed, c.h0 ? [dec(c.h0), dec(c.c0!)] : null);
      else [outPacked, hN] = m.forward(packed, c.h0 ? dec(c.h0) : null);
      assertClose(outPacked.data, dec(c.outPackedData), { ...tol, message: 'packed output' });
      const [out, lengths] = nn.padPackedSequence(outPacked, { batchFirst: c.options.batchFirst });
      assert.deepEqual(lengths.tolist(), c.outLengths);
      assertClose(out, dec(c.out), { ...tol, message: 'output' });
      assertClose(hN, dec(c.hN), { ...tol, message: 'hN' });
      if (cN) assertClose(cN, dec(c.cN!), { ...tol, message: 'cN' });
      let loss = out
        .mul(dec(c.w))
        .sum()
        .add(hN.mul(dec(c.v)).sum());
      if (cN) loss = loss.add(cN.mul(dec(c.v)).sum());
      loss.backward();
      assertClose(x.grad!, dec(c.gradX), { ...tol, message: 'grad x' });
      for (const [k, p] of m.namedParameters())
        assertClose(p.grad!, dec(c.gradParams[k]), { ...tol, message: `grad ${k}` });
    });
  }
});

describe('packing gradients (finite differences)', () => {
  it('pack → bidirectional GRU → unpack, unsorted lengths: input and h0 (parameters: PyTorch above)', () => {
    manualSeed(5);
    const gru = new nn.GRU(2, 3, { bidirectional: true }).double();
    const x = randn([4, 3, 2], { dtype: 'float64' }).requiresGrad_();
    const h0 = randn([2, 3, 3], { dtype: 'float64' }).requiresGrad_();
    const run = (xi: Tensor, hi: Tensor): Tensor => {
      const [out, hN] = gru.forward(nn.packPaddedSequence(xi, [2, 4, 1], { enforceSorted: false }), hi);
      return nn.padPackedSequence(out, { totalLength: 5, paddingValue: 0.5 })[0].sum(2).add(hN.sum());
    };
    assert.equal(gradcheck(run, [x, h0]), true);
  });

  it('packSequence → LSTM (two layers) → padPackedSequence: every sequence', () => {
    manualSeed(6);
    const lstm = new nn.LSTM(2, 2, { numLayers: 2 }).double();
    const seqs = [randn([1, 2], { dtype: 'float64' }), randn([3, 2], { dtype: 'float64' })].map((s) =>
      s.requiresGrad_(),
    );
    const run = (a: Tensor, b: Tensor): Tensor => {
      const [out, [hN, cN]] = lstm.forward(nn.packSequence([a, b], { enforceSorted: false }));
      return nn.padPackedSequence(out, { batchFirst: true })[0].sum().add(hN.mul(cN).sum());
    };
    assert.equal(gradcheck(run, seqs), true);
  });
});

describe('packSequence, padPackedSequence, padSequence', () => {
  it('pack a list, unpack it back (batchFirst, totalLength, paddingValue)', () => {
    const seqs = [tensor([[1], [2]]), tensor([[3], [4], [5]]), tensor([[6]])];
    const packed = nn.packSequence(seqs, { enforceSorted: false });
    assert.deepEqual(packed.data.flatten().tolist(), [3, 1, 6, 4, 2, 5]);
    assert.deepEqual(packed.batchSizes.tolist(), [3, 2, 1]);
    assert.deepEqual(packed.unsortedIndices!.tolist(), [1, 0, 2]);
    const [padded, lengths] = nn.padPackedSequence(packed, { batchFirst: true, totalLength: 4, paddingValue: -1 });
    assert.deepEqual(padded.squeeze(2).tolist(), [
      [1, 2, -1, -1],
      [3, 4, 5, -1],
      [6, -1, -1, -1],
    ]);
    assert.deepEqual(lengths.tolist(), [2, 3, 1]);
    assert.equal(String(packed), 'PackedSequence(data=[6, 1], batchSizes=[3, 2, 1])');
  });

  it('names the problem: unsorted lengths, out-of-range lengths, mismatched sequences', () => {
    const x = randn([3, 2, 1]);
    assert.throws(() => nn.packPaddedSequence(x, [1, 3]), /sorted in decreasing order.*enforceSorted: false/);
    assert.throws(() => nn.packPaddedSequence(x, [4, 3]), /\[1, 3\].*got 4/);
    assert.throws(() => nn.packPaddedSequence(x, [3]), /1 lengths for a batch of 2/);
    assert.throws(() => nn.padSequence([ones([2, 3]), ones([2, 4])]), /same trailing dims.*\[2, 3\], \[2, 4\]/);
    assert.throws(() => new nn.GRU(2, 3).forward(nn.packSequence([ones([2, 5])])), /expected 2 input features/);
    assert.throws(() => nn.padSequence([ones([2, 3]), ones([2, 4])]), ShapeError);
    assert.throws(() => nn.packPaddedSequence(x, [1, 3]), OptionError);
  });

  it('a padded batch and its packed form give the same final states (lengths respected)', () => {
    manualSeed(2);
    const lstm = new nn.LSTM(2, 3);
    const a = randn([3, 2]);
    const b = randn([1, 2]);
    const [, [hN]] = lstm.forward(nn.packSequence([a, b]));
    const [, [hA]] = lstm.forward(a.unsqueeze(1));
    const [, [hB]] = lstm.forward(b.unsqueeze(1));
    assertClose(hN.select(1, 0), hA.select(1, 0), { rtol: 1e-6, atol: 1e-7 });
    assertClose(hN.select(1, 1), hB.select(1, 0), { rtol: 1e-6, atol: 1e-7 });
  });
});

describe('option keys', () => {
  it('a misspelled option names the nearest valid one', () => {
    assert.throws(() => nn.packPaddedSequence(randn([2, 1, 1]), [2], { batch_first: true } as never), /batchFirst/);
    assert.throws(() => nn.padSequence([ones([1])], { padding_value: 1 } as never), /paddingValue/);
    assert.throws(() => nn.packSequence([ones([1])], { enforce_sorted: false } as never), /enforceSorted/);
    assert.throws(
      () => nn.padPackedSequence(nn.packSequence([ones([1])]), { total_length: 3 } as never),
      /totalLength/,
    );
  });
});
