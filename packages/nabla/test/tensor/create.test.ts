import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arange,
  eye,
  full,
  fullLike,
  Generator,
  linspace,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  randnLike,
  randperm,
  tensor,
  zeros,
  zerosLike,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { fixture } from './fixture.js';

const shapeOf = (t: { shape: readonly number[] }): number[] => [...t.shape];

describe('tensor()', () => {
  it('infers the shape of nested arrays, float32 by default', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(shapeOf(t), [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('makes 0-d tensors from numbers, bool tensors from booleans, [0] from []', () => {
    assert.deepEqual(shapeOf(tensor(2.5)), []);
    assert.equal(tensor(2.5).item(), 2.5);
    const b = tensor([true, false]);
    assert.equal(b.dtype, 'bool');
    assert.deepEqual(b.toArray(), [true, false]);
    assert.deepEqual(shapeOf(tensor([])), [0]);
    assert.deepEqual(shapeOf(tensor([[], []])), [2, 0]);
  });

  it('copies typed arrays, keeping Float64Array and Int32Array types', () => {
    const src = new Float64Array([1.5, 2.5]);
    const t = tensor(src);
    src[0] = 99;
    assert.equal(t.dtype, 'float64');
    assert.deepEqual(t.toArray(), [1.5, 2.5]);
    assert.equal(tensor(new Int32Array([3, 4])).dtype, 'int32');
    assert.equal(tensor(new Float32Array([1])).dtype, 'float32');
    assert.equal(tensor(new Float64Array([1.5]), { dtype: 'float32' }).dtype, 'float32');
  });

  it('converts to the requested dtype (bool is x != 0; int32 truncates)', () => {
    assert.deepEqual(tensor([0, 2, -1], { dtype: 'bool' }).toArray(), [false, true, true]);
    assert.deepEqual(tensor([1.7, -1.7], { dtype: 'int32' }).toArray(), [1, -1]);
    assert.deepEqual(tensor([1.7, -1.7, 2.5]).to('int32').toArray(), fixture.creation.toInt);
  });

  it('refuses ragged arrays and non-numbers, naming the element', () => {
    assert.throws(() => tensor([[1, 2], [3]]), /ragged.*data\[1\] has shape \[1\] but data\[0\] has \[2\]/);
    assert.throws(() => tensor(['a'] as unknown as number[]), /element 0 is string/);
  });
});

describe('creation functions', () => {
  it('zeros, ones, full and the *Like versions', () => {
    assert.deepEqual(zeros([2, 2]).toArray(), [
      [0, 0],
      [0, 0],
    ]);
    assert.deepEqual(ones([2], { dtype: 'int32' }).toArray(), [1, 1]);
    assert.deepEqual(full([3], 7.5).toArray(), [7.5, 7.5, 7.5]);
    const like = zerosLike(ones([2, 3], { dtype: 'float64' }));
    assert.deepEqual(shapeOf(like), [2, 3]);
    assert.equal(like.dtype, 'float64');
    assert.equal(onesLike(zeros([1]), { dtype: 'int32' }).dtype, 'int32');
    assert.deepEqual(fullLike(zeros([2]), 3).toArray(), [3, 3]);
    assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
    assert.throws(() => zeros([2, -1]), /invalid shape \[2, -1\]/);
  });

  it('arange and linspace match PyTorch', () => {
    assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
    assert.equal(arange(4).dtype, 'int32');
    assertClose(arange(0, 1, 0.1), fixture.creation.arange as number[], { rtol: 1e-7 });
    const lens = [arange(1, 2.5, 0.5), arange(10, 0, -3), arange(0, 1, 0.3)].map((t) => t.numel());
    assert.deepEqual(lens, fixture.creation.arangeLen);
    assert.deepEqual(arange(10, 0, -3).toArray(), [10, 7, 4, 1]);
    // PyTorch's vectorized kernel rounds some points differently in the last bit.
    assertClose(linspace(-1, 2, 7), fixture.creation.linspace as number[], { rtol: 1e-7, atol: 0 });
    assertClose(linspace(0, 1, 11, { dtype: 'float64' }), fixture.creation.linspaceFloat64 as number[], {
      rtol: 1e-15,
      atol: 1e-15,
    });
    assert.throws(() => arange(0, 1, 0), /step must be nonzero/);
  });

  it('eye', () => {
    assert.deepEqual(eye(2, 3).toArray(), fixture.creation.eye);
    assert.deepEqual(eye(2).toArray(), [
      [1, 0],
      [0, 1],
    ]);
  });

  it('manualSeed makes rand/randn/randint/randperm reproducible', () => {
    const draw = () => [rand([5]), randn([2, 3]), randint(0, 10, [4]), randperm(6)].map((t) => t.toArray());
    manualSeed(42);
    const first = draw();
    manualSeed(42);
    assert.deepEqual(draw(), first);
    manualSeed(43);
    assert.notDeepEqual(draw(), first);
    const g1 = new Generator(7);
    const g2 = new Generator(7);
    assert.deepEqual(randn([3], { generator: g1 }).toArray(), randn([3], { generator: g2 }).toArray());
  });

  it('random values have the right ranges and moments', () => {
    const g = new Generator(1);
    const u = rand([20000], { generator: g });
    assert.ok(u.min().item() >= 0 && u.max().item() < 1);
    assertClose(u.mean(), 0.5, { atol: 0.01 });
    const n = randn([20000], { generator: g, dtype: 'float64' });
    assertClose(n.mean(), 0, { atol: 0.03 });
    assertClose(n.std(), 1, { atol: 0.03 });
    const r = randint(-2, 3, [1000], { generator: g });
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(
      [...new Set(r.toTypedArray())].sort((a, b) => a - b),
      [-2, -1, 0, 1, 2],
    );
    const p = randperm(50, { generator: g });
    assert.deepEqual(
      [...p.toTypedArray()].sort((a, b) => a - b),
      [...Array(50).keys()],
    );
    assert.equal(randnLike(zeros([2], { dtype: 'float64' })).dtype, 'float64');
    assert.throws(() => randint(3, 3, [1]), /low < high/);
  });
});
