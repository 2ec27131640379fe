/**
 * Finite-difference gradchecks (float64) of the ops added for PyTorch parity (src/ops/extra.ts,
 * src/ops/scan.ts), on contiguous and transposed (non-contiguous) inputs and at zeros.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator, gradcheck, randn, tensor, type Tensor } from '../../src/index.js';
import * as nb from '../../src/index.js';

const g = new Generator(7);
const x64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64', generator: g }).requiresGrad_();

const CASES: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
  ['cumsum dim 1', (x) => x.cumsum(1), () => [x64([3, 4])]],
  ['cumsum dim 0 on a transposed view', (x) => x.mT.cumsum(0), () => [x64([4, 3])]],
  ['cumprod dim -1', (x) => x.cumprod(-1), () => [x64([2, 5])]],
  ['cumprod with a zero', (x) => x.cumprod(0), () => [tensor([1.5, 0, -2, 0.5], { dtype: 'float64', requiresGrad: true })]],
  ['prod all', (x) => x.prod(), () => [x64([2, 3])]],
  ['prod dim keepdim', (x) => x.mT.prod(1, true), () => [x64([4, 3])]],
  ['prod with zeros', (x) => x.prod(1), () => [tensor([[0, 2, 3], [0, 0, 1]], { dtype: 'float64', requiresGrad: true })]],
  ['sort values', (x) => x.sort(1, true).values, () => [x64([3, 4])]],
  ['topk values', (x) => x.topk(2, 0).values, () => [x64([4, 3])]],
  ['median dim', (x) => x.median(1).values, () => [x64([3, 5])]],
  ['flip', (x) => x.flip(0, 1), () => [x64([3, 4])]],
  ['roll', (x) => x.mT.roll([1, -2], [0, 1]), () => [x64([4, 3])]],
  ['repeat', (x) => x.repeat(2, 1, 3), () => [x64([2, 3])]],
  ['tile', (x) => x.tile(2), () => [x64([2, 3])]],
  ['repeatInterleave', (x) => x.repeatInterleave(2, 0), () => [x64([2, 3])]],
  ['tril', (x) => x.tril(-1), () => [x64([2, 3, 3])]],
  ['triu', (x) => x.mT.triu(1), () => [x64([4, 3])]],
  ['maskedFill', (x) => x.maskedFill(tensor([true, false, true]), 2), () => [x64([2, 3])]],
  ['remainder', (a, b) => a.remainder(b), () => [x64([4]), tensor([0.7, -1.3, 2.1, 0.9], { dtype: 'float64', requiresGrad: true })]],
  ['norm 2', (x) => x.norm(), () => [x64([3, 4])]],
  ['norm 3 dim', (x) => x.norm(3, 1, true), () => [x64([3, 4])]],
  ['norm inf', (x) => x.norm(Infinity, 0), () => [x64([3, 4])]],
  ['norm 1', (x) => x.norm(1), () => [x64([5])]],
  ['mm', (a, b) => a.mm(b.mT), () => [x64([2, 3]), x64([4, 3])]],
  ['bmm', (a, b) => a.bmm(b), () => [x64([2, 2, 3]), x64([2, 3, 2])]],
  ['dot', (a, b) => a.dot(b), () => [x64([4]), x64([4])]],
  ['outer', (a, b) => a.outer(b), () => [x64([3]), x64([2])]],
  ['trace', (x) => x.trace(), () => [x64([3, 3])]],
  ['scatter (x and src)', (x, s) => x.scatter(1, tensor([[2, 0], [1, 3]], { dtype: 'int32' }), s), () => [x64([2, 4]), x64([2, 2])]],
  ['scatterAdd with repeats', (x, s) => x.scatterAdd(0, tensor([[1, 1, 0]], { dtype: 'int32' }), s), () => [x64([2, 3]), x64([1, 3])]],
  ['maskedSelect', (x) => x.maskedSelect(tensor([true, false, true])), () => [x64([2, 3])]],
  ['T', (x) => x.T, () => [x64([2, 3, 4])]],
  ['tan atan sinh cosh asinh (at 0 too)', (x) => x.tan().add(x.atan()).add(x.sinh()).add(x.cosh()).add(x.asinh()), () => [tensor([0, 0.3, -0.7, 1.1], { dtype: 'float64', requiresGrad: true })]],
  ['asin acos atanh', (x) => x.asin().add(x.acos().mul(2)).add(x.atanh()), () => [tensor([0, 0.3, -0.7, 0.5], { dtype: 'float64', requiresGrad: true })]],
  ['acosh exp2', (x) => x.acosh().add(x.exp2()), () => [tensor([1.2, 2, 3.5], { dtype: 'float64', requiresGrad: true })]],
  ['atan2 with broadcasting', (y, x) => y.atan2(x), () => [x64([2, 3]), x64([3])]],
  ['einsum attention scores', (q, k) => nb.einsum('bqd,bkd->bqk', q, k), () => [x64([2, 3, 4]), x64([2, 5, 4])]],
  ['einsum three operands', (a, b, c) => nb.einsum('ij,jk,kl->il', a, b, c), () => [x64([2, 3]), x64([3, 2]), x64([2, 2])]],
  ['cdist', (a, b) => nb.cdist(a, b), () => [x64([3, 2]), x64([4, 2])]],
  ['diag of a vector (offset) and of a matrix', (v, m) => v.diag(1).sum().add(m.diag(-1).mul(2).sum()), () => [x64([3]), x64([3, 4])]],
  ['log2 / log10', (x) => x.abs().add(0.5).log2().add(x.abs().add(0.5).log10()), () => [x64([4])]],
];

for (const [name, fn, inputs] of CASES) {
  test(`gradcheck: ${name}`, () => {
    assert.equal(gradcheck(fn, inputs()), true);
  });
}

test('norm at an all-zero input has a zero gradient (PyTorch), not NaN', () => {
  const z = nb.zeros([4], { dtype: 'float64', requiresGrad: true });
  z.norm().backward();
  assert.deepEqual(Array.from(z.grad!.toTypedArray()), [0, 0, 0, 0]);
});
