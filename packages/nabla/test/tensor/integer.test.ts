import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maximum, tensor, where, type Tensor } from '../../src/index.js';
import { fixture } from './fixture.js';

const expected = fixture.indices;
const ties = () =>
  tensor([
    [1, 3, 3],
    [2, 2, -1],
  ]);
const ints = () =>
  tensor(
    [
      [3, -4, 0],
      [-1, 5, 2],
    ],
    { dtype: 'int32' },
  );

function check(actual: Tensor | number, key: string, dtype?: string): void {
  if (typeof actual === 'number') {
    assert.equal(actual, expected[key]);
    return;
  }
  assert.deepEqual(actual.toArray(), expected[key], key);
  if (dtype) assert.equal(actual.dtype, dtype, `${key} dtype`);
}

describe('indices and integer results match PyTorch', () => {
  it('max/min(dim) and argmax/argmin pick the first of tied values', () => {
    check(ties().max(1).indices, 'maxDim1', 'int32');
    check(ties().min(1).indices, 'minDim1');
    check(ties().max(0).indices, 'maxDim0');
    check(ties().argmax().item(), 'argmaxAll');
    check(ties().argmin().item(), 'argminAll');
  });

  it('integer elementwise ops and reductions stay int32', () => {
    check(ints().neg(), 'intNeg', 'int32');
    check(ints().abs(), 'intAbs', 'int32');
    check(ints().sign(), 'intSign', 'int32');
    check(ints().sum(0), 'intSum0', 'int32');
    check(ints().amax(1), 'intAmax1', 'int32');
    check(maximum(ints(), tensor([0, 0, 1], { dtype: 'int32' })), 'intMaximum', 'int32');
    check(ints().pow(2), 'intPow', 'int32');
    check(ints().mul(0.5), 'intMulFloat', 'float32');
    check(tensor([true, false, true]).sum().item(), 'boolSum');
    check(where(ints().gt(0), ints(), tensor(0, { dtype: 'int32' })), 'intWhere', 'int32');
  });
});
