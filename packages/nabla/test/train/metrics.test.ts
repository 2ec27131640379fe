import assert from 'node:assert/strict';
import { test } from 'node:test';
import { History, accuracy, mae, mse, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const i32 = (v: number[] | number[][]) => tensor(v, { dtype: 'int32' });

test('accuracy: argmax over dim 1 against class indices', () => {
  assertClose(
    accuracy(
      tensor([
        [2, 1],
        [0, 3],
        [5, 4],
        [1, 9],
      ]),
      i32([0, 0, 0, 1]),
    ),
    0.75,
  );
  // [N, C, L] scores against [N, L] targets (per-position classes).
  assertClose(
    accuracy(
      tensor([
        [
          [1, 0],
          [0, 1],
        ],
      ]),
      i32([[0, 0]]),
    ),
    0.5,
  );
  assert.throws(
    () => accuracy(tensor([[1, 2, 3]]), i32([0, 1])),
    /scores of shape \[1, 3\] do not match class indices of shape \[2\]/,
  );
});

test('accuracy: binary probabilities against 0/1 targets, [N, 1] against [N] without broadcasting', () => {
  assertClose(accuracy(tensor([[0.9], [0.2], [0.6], [0.4]]), tensor([1, 0, 0, 0])), 0.75);
  assertClose(accuracy(tensor([2, -1]), tensor([1, 1]), 0), 0.5);
  assert.throws(
    () => accuracy(tensor([0.5, 0.5]), tensor([1, 0, 1])),
    /output shape \[2\] and target shape \[3\] have different sizes/,
  );
});

test('mse and mae average over elements and do not broadcast [N, 1] against [N]', () => {
  const out = tensor([[1], [2], [4]]);
  const y = tensor([1, 0, 1]);
  assertClose(mse(out, y), (0 + 4 + 9) / 3);
  assertClose(mae(out, y), (0 + 2 + 3) / 3);
  assert.throws(() => mse(out, tensor([1, 2])), /mse: output shape \[3, 1\] and target shape \[2\]/);
});

test('History gives series by name, NaN where an epoch lacks a value', () => {
  const h = new History();
  h.epochs.push({ epoch: 0, loss: 1, valLoss: 2 }, { epoch: 1, loss: 0.5 });
  assert.deepEqual(h.loss, [1, 0.5]);
  assert.deepEqual(h.valLoss, [2, Number.NaN]);
  assert.deepEqual(h.keys(), ['epoch', 'loss', 'valLoss']);
});
