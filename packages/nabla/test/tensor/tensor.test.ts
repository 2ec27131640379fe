import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, cat, noGrad, ones, randn, tensor, zeros } from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('data access', () => {
  it('toArray, toTypedArray and item read views (offsets, strides, broadcasts)', () => {
    const x = arange(6).float().reshape(2, 3);
    assert.deepEqual(x.t().toArray(), [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    assert.deepEqual([...x.select(1, 2).toTypedArray()], [2, 5]);
    assert.deepEqual(x.slice(1, 0, 3, 2).toArray(), [
      [0, 2],
      [3, 5],
    ]);
    assert.equal(x.select(0, 1).select(0, 2).item(), 5);
    assert.deepEqual(tensor([1, 2]).expand(2, 2).toArray(), [
      [1, 2],
      [1, 2],
    ]);
    assert.equal(tensor([[7]]).item(), 7);
  });

  it('reduces a 0-d view that has an offset', () => {
    const x = tensor([1, 2, 3]);
    assert.equal(x.select(0, 2).sum().item(), 3);
    assert.equal(x.select(0, 1).amax().item(), 2);
    assert.equal(x.select(0, 1).mean(0).item(), 2);
  });

  it('size, numel, dim, isContiguous', () => {
    const x = zeros([2, 3, 4]);
    assert.equal(x.size(-1), 4);
    assert.deepEqual([...x.size()], [2, 3, 4]);
    assert.equal(x.numel(), 24);
    assert.equal(x.dim(), 3);
    assert.equal(x.isContiguous(), true);
    assert.equal(x.transpose(0, 1).isContiguous(), false);
    assert.equal(x.transpose(0, 1).contiguous().isContiguous(), true);
  });

  it('in-place ops write through views and bump the version', () => {
    const x = zeros([2, 3]);
    const v = x.storage.version;
    x.select(1, 0).fill_(5);
    x.t()
      .select(0, 2)
      .add_(tensor([1, 2]));
    assert.deepEqual(x.toArray(), [
      [5, 0, 1],
      [5, 0, 2],
    ]);
    assert.ok(x.storage.version > v);
    const w = ones([2], { requiresGrad: true });
    noGrad(() => w.mul_(3));
    assert.deepEqual(w.toArray(), [3, 3]);
  });

  it('in-place arithmetic: broadcasting, alpha, aliasing, dtypes', () => {
    const x = arange(6).float().reshape(2, 3);
    x.add_(tensor([1, 2, 3]))
      .mul_(tensor([[2], [1]]))
      .sub_(1, 0.5)
      .div_(2);
    assert.deepEqual(x.toArray(), [
      [0.75, 2.75, 4.75],
      [1.75, 2.75, 3.75],
    ]);
    const sq = arange(4).float().reshape(2, 2);
    sq.add_(sq.t()); // reads and writes the same storage: must not see half-updated values
    assert.deepEqual(sq.toArray(), [
      [0, 3],
      [3, 6],
    ]);
    const i = tensor([1, 2], { dtype: 'int32' });
    i.mul_(3).add_(1.5);
    assert.deepEqual(i.toArray(), [4, 7]);
    assert.equal(i.dtype, 'int32');
    const f = tensor([1, 2]);
    f.add_(tensor([0.1, 0.2], { dtype: 'float64' }));
    assert.equal(f.dtype, 'float32');
    assertClose(f, [1.1, 2.2]);
    const strided = zeros([2, 4]).slice(1, 0, 4, 2);
    strided.add_(tensor([1, 2]));
    assert.deepEqual(strided.toArray(), [
      [1, 2],
      [1, 2],
    ]);
    assert.throws(() => zeros([3]).add_(zeros([2, 3])), /cannot be broadcast|expand/);
  });

  it('comparisons give bool; int / int is true division', () => {
    const a = tensor([7, -7], { dtype: 'int32' });
    const b = tensor([2, 2], { dtype: 'int32' });
    assert.equal(a.lt(b).dtype, 'bool');
    assert.deepEqual(a.div(b).toArray(), [3.5, -3.5]);
    assert.equal(a.div(b).dtype, 'float32');
    assert.equal(a.add(0.5).dtype, 'float32');
    assert.equal(a.mul(2).dtype, 'int32');
    assert.deepEqual(tensor([0.5, 1.5, 2.5, -0.5, -1.5]).round().toArray(), [0, 2, 2, -0, -2]);
  });
});

describe('error messages name the problem', () => {
  it('mismatched shapes name both shapes and the op', () => {
    assert.throws(() => zeros([2, 3]).add(zeros([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    assert.throws(
      () => zeros([2, 3]).where(tensor([true, false]), 0),
      /where: shapes \[2\] and \[2, 3\]|where: shapes \[2, 3\] and \[2\]/,
    );
  });

  it('matmul shape mismatch names both shapes', () => {
    assert.throws(
      () => zeros([2, 3]).matmul(zeros([4, 5])),
      /matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied/,
    );
    assert.throws(() => zeros([3]).matmul(zeros([4])), /matmul: shapes \[3\] and \[4\]/);
    assert.throws(
      () => zeros([2, 2, 3]).matmul(zeros([3, 3, 1])),
      /matmul: .*shapes \[2, 2, 3\] and \[3, 3, 1\] cannot be broadcast/,
    );
  });

  it('invalid reshape / view / expand', () => {
    assert.throws(() => zeros([2, 3]).reshape(4, 2), /reshape: shape \[4, 2\] is invalid for input of size 6/);
    assert.throws(() => zeros([2, 3]).reshape(-1, -1), /only one dimension can be inferred/);
    assert.throws(
      () => zeros([2, 3]).t().view(6),
      /view: a tensor of shape \[3, 2\] and strides \[1, 3\] cannot be viewed as \[6\] without a copy/,
    );
    assert.deepEqual([...zeros([2, 3, 4]).slice(2, 0, 2).view(6, 2).strides], [4, 1]);
    assert.throws(() => zeros([2, 3]).expand(4, 3), /expand: the expanded size 4 must match the existing size 2/);
    assert.throws(() => zeros([2]).expand(-1, 2), /expand: invalid target shape \[-1, 2\]/);
    assert.throws(() => zeros([4]).split(0), /splitSize must be a positive integer/);
    assert.throws(() => cat([tensor(1), tensor(2)]), /zero-dimensional tensors cannot be concatenated/);
  });

  it('indices out of range', () => {
    assert.throws(() => zeros([2, 3]).select(1, 3), /select: index 3 is out of bounds for dimension 1 with size 3/);
    assert.throws(() => zeros([2, 3]).gather(1, tensor([[5]], { dtype: 'int32' })), /gather: index 5 is out of bounds/);
    assert.throws(
      () => zeros([2, 3]).indexSelect(0, tensor([-3], { dtype: 'int32' })),
      /indexSelect: index -3 is out of bounds for dimension 0 with size 2/,
    );
    assert.throws(() => zeros([2, 3]).indexSelect(0, tensor([0])), /index must be an int32 tensor, got float32/);
    assert.throws(() => zeros([2, 3]).narrow(1, 2, 2), /narrow: start 2 \+ length 2 exceeds dimension 1 of size 3/);
    assert.throws(
      () => zeros([2, 3]).sum(2),
      /sum: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/,
    );
  });

  it('backward of a non-scalar, item of many elements, grad on integers', () => {
    const x = randn([2], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(), /only for scalar outputs, but the output has shape \[2\]/);
    assert.throws(() => x.mul(2).backward(ones([3])), /gradient has shape \[3\] but the output has shape \[2\]/);
    assert.throws(() => zeros([2]).item(), /2 elements \(shape \[2\]\)/);
    assert.throws(() => zeros([2], { dtype: 'int32', requiresGrad: true }), /floating point dtype.*int32/);
    assert.throws(() => zeros([2]).mean(5), /mean: dimension out of range/);
  });

  it('backward accumulates into .grad of a view input correctly', () => {
    const w = randn([3, 2], { requiresGrad: true });
    w.t()
      .matmul(ones([3]))
      .sum()
      .backward();
    assertClose(w.grad!, ones([3, 2]));
  });
});
