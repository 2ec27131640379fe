/**
 * PyTorch call forms a line-by-line port produces, and what they must return: varargs sizes,
 * randint(high, size), torch.max(a, b), .T, unbiased=False, module freezing, and a short
 * training loop written exactly as PyTorch's (zeroGrad / forward / loss / backward / step).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as nb from '../../src/index.js';
import {
  Generator,
  manualSeed,
  nn,
  noGrad,
  ones,
  optim,
  rand,
  randint,
  randn,
  tensor,
  zeros,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('creation takes sizes as separate arguments, like torch.zeros(2, 3)', () => {
  assert.deepEqual([...zeros(2, 3).shape], [2, 3]);
  assert.deepEqual([...ones(4).shape], [4]);
  assert.deepEqual([...rand(2, 1, 3).shape], [2, 1, 3]);
  assert.deepEqual([...randn(5).shape], [5]);
  assert.equal(zeros([2], { dtype: 'float64' }).dtype, 'float64');
  assert.deepEqual([...zeros([]).shape], []);
});

test('randint(high, size) draws from [0, high) like torch.randint(10, (n,))', () => {
  const r = randint(3, [2000], { generator: new Generator(3) });
  const values = new Set(r.toTypedArray());
  assert.deepEqual([...values].sort(), [0, 1, 2]);
  assert.equal(r.dtype, 'int32');
  const shifted = randint(5, 7, [500], { generator: new Generator(4) });
  assert.deepEqual([...new Set(shifted.toTypedArray())].sort(), [5, 6]);
});

test('torch.max(a, b), .T, var(unbiased=False) and std(dim, unbiased=False) port directly', () => {
  const a = tensor([
    [1, 5],
    [7, 2],
  ]);
  assertClose(a.max(tensor([3, 3])), [
    [3, 5],
    [7, 3],
  ]);
  assertClose(a.min(tensor([3, 3])), [
    [1, 3],
    [3, 2],
  ]);
  assert.deepEqual([...randn(2, 3, 4).T.shape], [4, 3, 2]);
  assertClose(tensor([1, 2, 3, 4]).var(undefined, { unbiased: false }), 1.25);
  assertClose(
    tensor([
      [1, 2],
      [3, 5],
    ]).std(1, { unbiased: false }),
    [0.5, 1],
  );
  assertClose(tensor([1, 2, 3, 4]).var(), 5 / 3);
});

test(".data, .long(), unbind, tolist, normal_/uniform_ and maskedFill_ behave like PyTorch's", () => {
  const w = new nn.Parameter(tensor([1, 2, 3]));
  w.data.mul_(2); // old-style update outside autograd
  assertClose(w, [2, 4, 6]);
  assert.throws(() => w.normal_(), /leaf/);
  w.data.normal_(0, 0.02, new Generator(0));
  assert.ok(Math.abs(w.detach().abs().max().item()) < 0.1);
  const u = zeros([2000]).uniform_(-1, 3, new Generator(1));
  assert.ok(u.min().item() >= -1 && u.max().item() < 3 && Math.abs(u.mean().item() - 1) < 0.1);
  assert.equal(tensor([1.7, 2]).long().dtype, 'int32');
  assert.deepEqual(
    tensor([
      [1, 2],
      [3, 4],
    ])
      .unbind(1)
      .map((t) => t.tolist()),
    [
      [1, 3],
      [2, 4],
    ],
  );
  assertClose(tensor([1, 2, 3]).maskedFill_(tensor([true, false, true]), 0), [0, 2, 0]);
  assert.equal(tensor([1]).typeAs(zeros([1], { dtype: 'float64' })).dtype, 'float64');
  assert.deepEqual([...zeros(6).reshapeAs(zeros(2, 3)).shape], [2, 3]);
});

test('max(dim), sort, topk results index like PyTorch named tuples: .indices, [1], destructuring', () => {
  const out = tensor([
    [0.1, 0.7, 0.2],
    [0.5, 0.1, 0.4],
  ]);
  assert.deepEqual(out.max(1)[1].tolist(), [1, 0]); // pred = output.max(1)[1]
  const [values, indices] = out.topk(2);
  assert.deepEqual(indices.tolist(), [
    [1, 2],
    [0, 2],
  ]);
  assertClose(values, [
    [0.7, 0.2],
    [0.5, 0.4],
  ]);
  const sorted = out.sort(1, true);
  assert.equal(sorted[1], sorted.indices);
  const r = out.min(0);
  assert.equal(r[0], r.values);
  assert.equal(r[1], r.indices);
});

test('sampling: bernoulli, multinomial (with and without replacement), normal, empty, logspace', () => {
  const g = new Generator(11);
  assert.ok(
    Math.abs(
      nb
        .bernoulli(nb.full([20000], 0.3), g)
        .mean()
        .item() - 0.3,
    ) < 0.015,
  );
  const counts = nb.bincount(nb.multinomial(tensor([1, 2, 7]), 20000, true, g), null, 3).toTypedArray();
  [0.1, 0.2, 0.7].forEach((p, k) => assert.ok(Math.abs(counts[k] / 20000 - p) < 0.015, `category ${k}: ${counts[k]}`));
  const draws = nb.multinomial(
    tensor([
      [1, 1, 0, 1],
      [0, 5, 1, 0],
    ]),
    2,
    false,
    g,
  );
  assert.deepEqual([...draws.shape], [2, 2]);
  for (const row of draws.tolist() as number[][]) assert.notEqual(row[0], row[1], 'without replacement, no repeats');
  assert.ok(
    !(draws.tolist() as number[][])[0].includes(2) &&
      (draws.tolist() as number[][])[1].every((k) => k === 1 || k === 2),
  );
  const n = nb.normal(2, 0.5, [20000], { generator: g });
  assert.ok(Math.abs(n.mean().item() - 2) < 0.02 && Math.abs(n.std().item() - 0.5) < 0.02);
  assert.deepEqual([...nb.empty(2, 3).shape], [2, 3]);
  assertClose(nb.logspace(0, 2, 3), [1, 10, 100]);
});

test('Module.requiresGrad_(false) freezes every parameter (fine-tuning)', () => {
  const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  (model.at(0) as nn.Module).requiresGrad_(false);
  const [w0, b0, w2, b2] = model.parameters();
  assert.deepEqual([w0.requiresGrad, b0.requiresGrad, w2.requiresGrad, b2.requiresGrad], [false, false, true, true]);
  model.forward(randn(5, 3)).sum().backward();
  assert.equal(w0.grad, null);
  assert.ok(w2.grad);
});

test('the canonical PyTorch training loop, ported line by line, fits a linear map', () => {
  manualSeed(0);
  const x = randn(64, 3);
  const trueW = tensor([[2, -1, 0.5]]);
  const y = x.matmul(trueW.t()).add(0.3);
  const model = new nn.Linear(3, 1);
  const criterion = new nn.MSELoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  let loss = Infinity;
  for (let epoch = 0; epoch < 200; epoch++) {
    optimizer.zeroGrad();
    const out = criterion.forward(model.forward(x), y);
    out.backward();
    optimizer.step();
    loss = out.item();
  }
  assert.ok(loss < 1e-8, `final loss ${loss}`);
  noGrad(() => {
    assertClose(model.weight, trueW, { atol: 1e-4 });
    assertClose(model.bias!, [0.3], { atol: 1e-4 });
  });
});
