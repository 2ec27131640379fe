/**
 * RNN / LSTM / GRU against PyTorch 1.13 (fixture: gen_api_nn.py recurrent): loaded from PyTorch's
 * state dict, the output sequence, final states and the gradients wrt input and every parameter
 * agree (float64); plus shapes, naming and init of fresh layers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Tensor, manualSeed, nn, randn, tensor, type DType } from '../../src/index.js';
import { assertClose } from '../helpers.js';

interface Enc {
  dtype: DType;
  shape: number[];
  data: number[];
}
interface Case {
  name: 'RNN' | 'LSTM' | 'GRU';
  options: nn.RNNOptions & { nonlinearity?: 'tanh' | 'relu' };
  state: Record<string, Enc>;
  x: Enc;
  out: Enc;
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
const cases = JSON.parse(readFileSync(new URL('../fixtures/api-nn.json', import.meta.url), 'utf8')).recurrent as Case[];

for (const c of cases) {
  test(`${c.name}(${JSON.stringify(c.options)}) matches PyTorch: output, final state, gradients`, () => {
    const m =
      c.name === 'LSTM'
        ? new nn.LSTM(3, 4, c.options)
        : c.name === 'GRU'
          ? new nn.GRU(3, 4, c.options)
          : new nn.RNN(3, 4, c.options);
    assert.deepEqual(Object.keys(m.stateDict()), Object.keys(c.state), 'parameter names and order');
    // PyTorch's float64 weights copied into the float32 layer (so tolerances are float32's).
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, dec(v)])));
    const x = dec(c.x).requiresGrad_();
    let out: Tensor;
    let hN: Tensor;
    let cN: Tensor | null = null;
    if (m instanceof nn.LSTM) {
      [out, [hN, cN]] = m.forward(x.float(), c.h0 ? [dec(c.h0).float(), dec(c.c0!).float()] : null);
    } else {
      [out, hN] = m.forward(x.float(), c.h0 ? dec(c.h0).float() : null);
    }
    assertClose(out, dec(c.out), { rtol: 1e-4, atol: 1e-5, message: 'output' });
    assertClose(hN, dec(c.hN), { rtol: 1e-4, atol: 1e-5, message: 'hN' });
    if (cN) assertClose(cN, dec(c.cN!), { rtol: 1e-4, atol: 1e-5, message: 'cN' });
    let loss = out
      .mul(dec(c.w).float())
      .sum()
      .add(hN.mul(dec(c.v).float()).sum());
    if (cN) loss = loss.add(cN.mul(dec(c.v).float()).sum());
    loss.backward();
    assertClose(x.grad!, dec(c.gradX), { rtol: 1e-3, atol: 1e-4, message: 'grad x' });
    for (const [k, p] of m.namedParameters())
      assertClose(p.grad!, dec(c.gradParams[k]), { rtol: 1e-3, atol: 1e-4, message: `grad ${k}` });
  });
}

test('padSequence pads to the longest and stacks like torch.nn.utils.rnn.pad_sequence', () => {
  const seqs = [
    tensor([
      [1, 1],
      [2, 2],
      [3, 3],
    ]),
    tensor([[4, 4]]),
  ];
  assert.deepEqual(nn.padSequence(seqs, { batchFirst: true, paddingValue: -1 }).tolist(), [
    [
      [1, 1],
      [2, 2],
      [3, 3],
    ],
    [
      [4, 4],
      [-1, -1],
      [-1, -1],
    ],
  ]);
  assert.deepEqual([...nn.padSequence(seqs).shape], [3, 2, 2]);
  assert.deepEqual(nn.padSequence(seqs).select(1, 1).tolist(), [
    [4, 4],
    [0, 0],
    [0, 0],
  ]);
});

test('fresh recurrent layers: shapes, U(±1/√hidden) init, unbatched input, [output, state] like PyTorch', () => {
  manualSeed(3);
  const lstm = new nn.LSTM(6, 8, { numLayers: 2 });
  for (const p of lstm.parameters()) assert.ok(p.abs().max().item() <= 1 / Math.sqrt(8));
  assert.deepEqual([...lstm.stateDict().weight_ih_l1.shape], [32, 8]);
  const [out, [h, c]] = lstm.forward(randn([7, 6]));
  assert.deepEqual(
    [[...out.shape], [...h.shape], [...c.shape]],
    [
      [7, 8],
      [2, 8],
      [2, 8],
    ],
  );
  const gru = new nn.GRU(6, 5, { batchFirst: true, bidirectional: true });
  const [seqOut, hN] = gru.forward(randn([3, 4, 6]));
  assert.deepEqual(
    [[...seqOut.shape], [...hN.shape]],
    [
      [3, 4, 10],
      [2, 3, 5],
    ],
  );
  assert.equal(
    String(new nn.GRU(6, 5, { batchFirst: true, bidirectional: true })),
    'GRU(6, 5, batchFirst=true, bidirectional=true)',
  );
});
