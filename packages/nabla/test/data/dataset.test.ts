import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Generator,
  Subset,
  TensorDataset,
  arange,
  randomSplit,
  stratifiedSplit,
  tensor,
  toTensors,
  type Dataset,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('TensorDataset returns one row of every tensor per sample', () => {
  const x = arange(0, 12).reshape(6, 2);
  const y = tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' });
  const ds = new TensorDataset(x, y);
  assert.equal(ds.length, 6);
  const [xi, yi] = ds.getItem(4);
  assert.deepEqual(xi.toArray(), [8, 9]);
  assert.equal(yi.item(), 1);
  assert.deepEqual(ds.getItem(-1)[0].toArray(), [10, 11]);
  const [xb, yb] = ds.getBatch(Int32Array.from([5, 0]));
  assert.deepEqual(xb.toArray(), [
    [10, 11],
    [0, 1],
  ]);
  assert.deepEqual(yb.toArray(), [2, 0]);
  assert.equal(yb.dtype, 'int32');
});

test('TensorDataset names both shapes when the sample counts differ', () => {
  assert.throws(
    () => new TensorDataset(arange(0, 10).reshape(5, 2), arange(0, 4)),
    /size mismatch between tensors: tensor 0 has 5 samples \(shape \[5, 2\]\) but tensor 1 has 4 \(shape \[4\]\)/,
  );
  assert.throws(() => new TensorDataset(), /at least one tensor/);
  assert.throws(() => new TensorDataset(tensor(3)), /0-d/);
  assert.throws(() => new TensorDataset(arange(0, 3)).getItem(3), /index 3 is out of range for a data set of length 3/);
});

test('randomSplit takes sizes or fractions like PyTorch and covers every sample once', () => {
  const ds = new TensorDataset(arange(0, 10));
  const parts = randomSplit(ds, [0.5, 0.3, 0.2], new Generator(1));
  assert.deepEqual(
    parts.map((p) => p.length),
    [5, 3, 2],
  );
  const seen = parts.flatMap((p) => Array.from(p.indices)).sort((a, b) => a - b);
  assert.deepEqual(
    seen,
    Array.from({ length: 10 }, (_, i) => i),
  );
  // PyTorch: floor(10 * 0.33) = 3 each, the leftover sample goes to the first split.
  assert.deepEqual(
    randomSplit(ds, [0.33, 0.33, 0.34], new Generator(1)).map((p) => p.length),
    [4, 3, 3],
  );
  assert.deepEqual(
    randomSplit(ds, [7, 3], new Generator(1)).map((p) => p.length),
    [7, 3],
  );
  // More sizes as torch 1.13's random_split gives them.
  const sizes = (n: number, f: number[]) => randomSplit(new TensorDataset(arange(0, n)), f).map((p) => p.length);
  assert.deepEqual(sizes(7, [0.25, 0.25, 0.25, 0.25]), [2, 2, 2, 1]);
  assert.deepEqual(sizes(1437, [0.85, 0.15]), [1222, 215]);
  assert.throws(() => randomSplit(ds, [7, 4]), /summing to the data set length 10/);
});

test('randomSplit with the same seed gives the same subsets, another seed different ones', () => {
  const ds = new TensorDataset(arange(0, 50));
  const a = randomSplit(ds, [40, 10], new Generator(7));
  const b = randomSplit(ds, [40, 10], new Generator(7));
  const c = randomSplit(ds, [40, 10], new Generator(8));
  assert.deepEqual(Array.from(a[1].indices), Array.from(b[1].indices));
  assert.notDeepEqual(Array.from(a[1].indices), Array.from(c[1].indices));
});

test('Subset maps indices and batches through the parent data set', () => {
  const ds = new TensorDataset(arange(0, 10).mul(10));
  const sub = new Subset(ds, [3, 1, 4]);
  assert.equal(sub.getItem(0)[0].item(), 30);
  assert.deepEqual(sub.getBatch(Int32Array.from([2, 0]))[0].toArray(), [40, 30]);
  assert.throws(() => new Subset(ds, [10]), /index 10 is out of range/);
});

test('a plain Dataset (getItem only) works with randomSplit and Subset', () => {
  const squares: Dataset = { length: 5, getItem: (i) => [tensor([i]), tensor(i * i)] };
  const [a, b] = randomSplit(squares, [3, 2], new Generator(0));
  const [x, y] = b.getItem(1);
  assertClose(y, x.mul(x).reshape([]));
  assert.equal(a.length + b.length, 5);
  const [xa, ya] = a.getItem(0);
  assertClose(ya, xa.mul(xa).reshape([]));
});

test('stratifiedSplit keeps class proportions in every subset and covers every sample once', () => {
  const labels = tensor([...Array(30).fill(0), ...Array(20).fill(1), ...Array(10).fill(2)], { dtype: 'int32' });
  const ds = new TensorDataset(arange(0, 60), labels);
  const [train, test] = stratifiedSplit(ds, labels, [0.8, 0.2], new Generator(3));
  const classCounts = (s: Subset) =>
    [0, 1, 2].map((c) => Array.from(s.indices).filter((i) => labels.toTypedArray()[i] === c).length);
  assert.deepEqual(classCounts(train), [24, 16, 8]);
  assert.deepEqual(classCounts(test), [6, 4, 2]);
  const all = [...train.indices, ...test.indices].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 60 }, (_, i) => i),
  );
  const again = stratifiedSplit(ds, labels, [0.8, 0.2], new Generator(3));
  assert.deepEqual(Array.from(again[1].indices), Array.from(test.indices));
  assert.throws(() => stratifiedSplit(ds, [0, 1], [0.5, 0.5]), /2 labels for a data set of length 60/);
  assert.throws(() => stratifiedSplit(ds, labels, [0.5, 0.4]), /must sum to 1/);
});

test('toTensors stacks a whole data set', () => {
  const ds = new TensorDataset(arange(0, 6).reshape(3, 2), arange(0, 3));
  const [x, y] = toTensors(new Subset(ds, [2, 0]));
  assert.deepEqual(x.toArray(), [
    [4, 5],
    [0, 1],
  ]);
  assert.deepEqual(y.toArray(), [2, 0]);
});
