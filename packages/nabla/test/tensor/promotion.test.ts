import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add, div, eq, lt, maximum, mul, tensor, type DType, type Tensor, type TensorLike } from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { fixture, numbers } from './fixture.js';

const OPS: Record<string, (a: Tensor, b: TensorLike) => Tensor> = {
  add,
  mul,
  div,
  lt,
  eq,
  maximum: (a, b) => maximum(a, b),
};

// The same operands gen_tensor.py builds.
const VALUES: Record<DType, number[]> = { bool: [1, 0], int32: [7, -3], float32: [1.5, -2], float64: [1.5, -2] };
const SCALARS: Partial<Record<DType, number>> = { int32: 3, float32: 2.5 };

function operand(kind: 'dim' | '0d' | 'scalar', dtype: DType): TensorLike {
  if (kind === 'scalar') return SCALARS[dtype]!;
  return tensor(kind === 'dim' ? VALUES[dtype] : VALUES[dtype][0], { dtype });
}

describe('dtype promotion matches PyTorch (int64 read as int32)', () => {
  for (const c of fixture.promotion) {
    const bName =
      c.bKind === 'scalar'
        ? `a ${c.b === 'int32' ? 'integer' : 'fractional'} number`
        : `${c.bKind === '0d' ? '0-d ' : ''}${c.b}`;
    it(`${c.op}(${c.a}, ${bName})`, () => {
      const out = OPS[c.op](operand('dim', c.a) as Tensor, operand(c.bKind, c.b));
      assert.ok(c.dtype, `PyTorch raised: ${c.error}`);
      assert.equal(out.dtype, c.dtype);
      assertClose(out, numbers(c.values!), { rtol: 1e-6 });
    });
  }
});
