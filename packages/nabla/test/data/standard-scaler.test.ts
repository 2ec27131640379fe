import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StandardScaler, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('StandardScaler fits on train and applies the same statistics to test', () => {
  const train = tensor(
    [
      [1, 10, 5],
      [3, 20, 5],
      [5, 60, 5],
    ],
    { dtype: 'float64' },
  );
  const scaler = new StandardScaler().fit(train);
  // Population std like scikit-learn: column 0 mean 3, std sqrt(8/3); constant column gets std 1.
  assertClose(scaler.mean!, [3, 30, 5]);
  assertClose(scaler.std!, [Math.sqrt(8 / 3), Math.sqrt(1400 / 3), 1]);
  const z = scaler.transform(train);
  assertClose(z.mean(0), [0, 0, 0], { atol: 1e-12 });
  assertClose(z.std(0, { correction: 0 }), [1, 1, 0], { atol: 1e-12 });
  const test = tensor([[7, 30, 6]], { dtype: 'float64' });
  assertClose(scaler.transform(test), [[4 / Math.sqrt(8 / 3), 0, 1]]);
  assertClose(scaler.inverseTransform(scaler.transform(test)), test);
  assertClose(new StandardScaler().fitTransform(train), z);
});

test('StandardScaler errors before fit and on mismatched feature shapes', () => {
  assert.throws(() => new StandardScaler().transform(tensor([[1]])), /StandardScaler\.transform: call fit\(\) first/);
  const s = new StandardScaler().fit(
    tensor([
      [1, 2],
      [3, 4],
    ]),
  );
  assert.throws(
    () => s.transform(tensor([[1, 2, 3]])),
    /x has shape \[1, 3\] but the scaler was fitted on features of shape \[2\]/,
  );
});
