/**
 * Second-derivative checks (float64) of every op-table entry that has gradient checks: the same
 * cases as gradcheck.test.ts, through `gradgradcheck`, so each backward rule is shown to be
 * recorded correctly under `createGraph`. Every case passes, none is excluded: piecewise ops
 * (abs, relu, clamp, max pooling, maximum) are checked away from their kinks, where PyTorch's
 * second derivatives are the same (zero for the piecewise-linear ones).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradgradcheck, type Tensor } from '../../src/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { makeInput } from './op-info.js';
import { OPS } from './op-table.js';

for (const backend of backendsUnderTest()) {
  describe(`gradgradcheck on every twice-differentiable op (${backend.name} backend)`, () => {
    for (const [op, { gradcheck: cases = [] }] of Object.entries(OPS)) {
      for (const c of cases) {
        it(`${op}: ${c.name}`, () =>
          withBackend(backend, () => {
            const inputs: Tensor[] = c.inputs.map(makeInput);
            assert.equal(gradgradcheck(c.fn, inputs, c.options), true);
          }));
      }
    }
  });
}
