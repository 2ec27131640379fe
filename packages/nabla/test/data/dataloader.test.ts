import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  arange,
  DataLoader,
  type Dataset,
  fit,
  Generator,
  manualSeed,
  nn,
  optim,
  stack,
  type Tensor,
  TensorDataset,
  tensor,
} from '../../src/index.js';

const flat = (loader: DataLoader) => [...loader].flatMap(([xb]) => Array.from(xb.toTypedArray()));

test('DataLoader batches in order, keeping the short last batch unless dropLast', () => {
  const ds = new TensorDataset(arange(0, 10).reshape(5, 2), arange(0, 5));
  const batches = [...new DataLoader(ds, { batchSize: 2 })];
  assert.equal(batches.length, 3);
  assert.deepEqual(batches[0][0].toArray(), [
    [0, 1],
    [2, 3],
  ]);
  assert.deepEqual(batches[2][1].toArray(), [4]);
  assert.deepEqual([...batches[2][0].shape], [1, 2]);
  const dropped = new DataLoader(ds, { batchSize: 2, dropLast: true });
  assert.equal(dropped.length, 2);
  assert.equal([...dropped].length, 2);
  assert.equal(new DataLoader(ds).length, 5);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
});

test('shuffling is a permutation, new each epoch, and reproducible from the seed', () => {
  const ds = new TensorDataset(arange(0, 20));
  const a = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(5) });
  const b = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(5) });
  const epoch1 = flat(a);
  const epoch2 = flat(a);
  assert.deepEqual(
    [...epoch1].sort((x, y) => x - y),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.notDeepEqual(epoch1, epoch2);
  assert.deepEqual(flat(b), epoch1);
  assert.deepEqual(flat(b), epoch2);
});

test('a Dataset without getBatch is collated by stacking samples', () => {
  let calls = 0;
  const ds: Dataset = {
    length: 5,
    getItem(i) {
      calls++;
      return [tensor([i, -i]), tensor(i % 2, { dtype: 'int32' })];
    },
  };
  const first = new DataLoader(ds, { batchSize: 4 })[Symbol.iterator]().next();
  assert.ok(!first.done);
  const [xb, yb] = first.value;
  assert.deepEqual(xb.toArray(), [
    [0, -0],
    [1, -1],
    [2, -2],
    [3, -3],
  ]);
  assert.deepEqual(yb.toArray(), [0, 1, 0, 1]);
  assert.equal(yb.dtype, 'int32');
  assert.equal(calls, 4);
});

test('TensorDataset batches are gathered without per-sample getItem calls', () => {
  const ds = new TensorDataset(arange(0, 8));
  ds.getItem = () => {
    throw new Error('getItem should not be called');
  };
  assert.equal([...new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(0) })].length, 3);
});

test('collate: variable-length items padded with padSequence; without it the stacking error says what to do', () => {
  // Sentences of 1..4 tokens (token ids), each with a label.
  const lengths = [3, 1, 4, 2, 2];
  const sentences: Dataset = {
    length: lengths.length,
    getItem: (i) => [arange(0, lengths[i]).add(10 * i), tensor(i % 2, { dtype: 'int32' })],
  };
  let seen: number[] = [];
  const loader = new DataLoader(sentences, {
    batchSize: 2,
    collate: (samples) => {
      seen = samples.map(([s]) => s.shape[0]);
      return {
        tokens: nn.padSequence(
          samples.map(([s]) => s),
          { batchFirst: true, paddingValue: -1 },
        ),
        lengths: samples.map(([s]) => s.shape[0]),
        labels: stack(samples.map(([, y]) => y)),
      };
    },
  });
  const batches = [...loader];
  assert.equal(batches.length, 3);
  assert.deepEqual(batches[0].tokens.tolist(), [
    [0, 1, 2],
    [10, -1, -1],
  ]);
  assert.deepEqual(batches[0].lengths, [3, 1]);
  assert.deepEqual(batches[1].labels.tolist(), [0, 1]);
  assert.deepEqual(batches[2].tokens.tolist(), [[40, 41]]);
  assert.deepEqual(seen, [2]);
  // The padded batch packs straight into an RNN.
  const emb = new nn.Embedding(50, 3);
  const [, hN] = new nn.GRU(3, 4, { batchFirst: true }).forward(
    nn.packPaddedSequence(emb.forward(batches[0].tokens.clamp(0, 49).to('int32')), batches[0].lengths, {
      batchFirst: true,
      enforceSorted: false,
    }),
  );
  assert.deepEqual([...hN.shape], [1, 2, 4]);
  assert.throws(
    () => [...new DataLoader(sentences, { batchSize: 2 })],
    /field 0 of sample 1 has shape \[1\] but sample 0's has \[3\].*give DataLoader a collate function/,
  );
  assert.throws(
    () => new DataLoader(sentences, { collate: 'pad' as unknown as () => Tensor[] }),
    /collate must be a function/,
  );
});

test('fit trains a packed-sequence classifier from a collate loader (variable-length items end to end)', () => {
  manualSeed(0);
  // Label: whether the sequence holds token 1; lengths 1..5.
  const items = Array.from({ length: 48 }, (_, i) => {
    const len = 1 + (i % 5);
    const tokens = Array.from({ length: len }, (_, j) => (i * 7 + j * 3) % 4);
    return [tensor(tokens, { dtype: 'int32' }), tensor(tokens.includes(1) ? 1 : 0, { dtype: 'int32' })];
  });
  const ds: Dataset = { length: items.length, getItem: (i) => items[i] };
  const loader = new DataLoader(ds, {
    batchSize: 8,
    shuffle: true,
    generator: new Generator(1),
    collate: (samples) => [
      nn.padSequence(
        samples.map(([s]) => s),
        { batchFirst: true },
      ),
      tensor(
        samples.map(([s]) => s.shape[0]),
        { dtype: 'int32' },
      ),
      stack(samples.map(([, y]) => y)),
    ],
  });
  class Classifier extends nn.Module<[tokens: Tensor, lengths: Tensor], Tensor> {
    emb = new nn.Embedding(4, 6);
    gru = new nn.GRU(6, 8, { batchFirst: true });
    out = new nn.Linear(8, 2);
    forward(tokens: Tensor, lengths: Tensor): Tensor {
      const packed = nn.packPaddedSequence(this.emb.forward(tokens), lengths, {
        batchFirst: true,
        enforceSorted: false,
      });
      const [, hN] = this.gru.forward(packed);
      return this.out.forward(hN.select(0, 0));
    }
  }
  const model = new Classifier();
  const history = fit(model, loader, {
    loss: nn.functional.crossEntropy,
    optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
    epochs: 15,
  });
  const losses = history.epochs.map((e) => e.loss);
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
});
