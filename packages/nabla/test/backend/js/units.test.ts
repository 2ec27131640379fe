import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../backends.js';

// [outer 2, units 3, inner 2]: x[o, u, i] = 10·o + 2·u + i − 5 (some negative).
const x = Float32Array.from({ length: 12 }, (_, k) => {
  const o = Math.floor(k / 6);
  const u = Math.floor((k % 6) / 2);
  const i = k % 2;
  return 10 * o + 2 * u + i - 5;
});
const at = (o: number, u: number, i: number) => 10 * o + 2 * u + i - 5;

describe('unit kernels', () => {
  for (const b of backendsUnderTest()) {
    it(`${b.name}: unitMeans, setUnits, absorbUnits, markActive`, () => {
      const k = b.units;
      const abs = new Float64Array(3);
      const mean = new Float64Array(3);
      const centered = new Float64Array(3);
      k.unitMeans(x, 2, 3, 2, abs, mean, Float64Array.of(1, 2, 3), centered);
      for (let u = 0; u < 3; u++) {
        const vals = [at(0, u, 0), at(0, u, 1), at(1, u, 0), at(1, u, 1)];
        assert.equal(abs[u], vals.reduce((a, v) => a + Math.abs(v), 0) / 4);
        assert.equal(mean[u], vals.reduce((a, v) => a + v, 0) / 4);
        assert.equal(centered[u], vals.reduce((a, v) => a + Math.abs(v - (u + 1)), 0) / 4);
      }
      const y = x.slice();
      k.setUnits(y, 2, 3, 2, Int32Array.of(2, 0), Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 0);
      assert.deepEqual(Array.from(y), [3, 4, at(0, 1, 0), at(0, 1, 1), 1, 2, 7, 8, at(1, 1, 0), at(1, 1, 1), 5, 6]);
      k.setUnits(y, 2, 3, 2, Int32Array.of(1), null, 0);
      assert.deepEqual(Array.from(y), [3, 4, 0, 0, 1, 2, 7, 8, 0, 0, 5, 6]);
      const bias = Float32Array.of(1, 1);
      k.absorbUnits(x, 2, 3, 2, Int32Array.of(0, 2), Float64Array.of(0.5, 2), bias);
      assert.deepEqual(Array.from(bias), [
        1 + 0.5 * (at(0, 0, 0) + at(0, 0, 1)) + 2 * (at(0, 2, 0) + at(0, 2, 1)),
        1 + 0.5 * (at(1, 0, 0) + at(1, 0, 1)) + 2 * (at(1, 2, 0) + at(1, 2, 1)),
      ]);
      const active = new Uint8Array(3);
      k.markActive(Float32Array.of(0, -1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0), 2, 3, 2, active);
      assert.deepEqual(Array.from(active), [1, 0, 0]); // unit 0 is positive once (at o = 1), -1 does not count
    });

    it(`${b.name}: shrinkPerturb`, () => {
      const p = Float32Array.of(1, 2, 3);
      b.units.shrinkPerturb(p, 0.5, Float32Array.of(10, 20, 30), 0.1, 0, Uint32Array.of(1, 2, 3, 4));
      assert.deepEqual(Array.from(p), [1.5, 3, 4.5]);
      const noisy = (words: number[]) => {
        const q = new Float64Array(20000);
        b.units.shrinkPerturb(q, 1, null, 0, 2, Uint32Array.from(words));
        return q;
      };
      const q = noisy([1, 2, 3, 4]);
      const mean = q.reduce((a, v) => a + v, 0) / q.length;
      const sd = Math.sqrt(q.reduce((a, v) => a + (v - mean) ** 2, 0) / q.length);
      assert.ok(Math.abs(mean) < 0.05 && Math.abs(sd - 2) < 0.05, `mean ${mean}, sd ${sd}`);
      assert.deepEqual(noisy([1, 2, 3, 4]), q);
    });

    it(`${b.name}: symmetricEigenvalues`, () => {
      // [[2, 1, 0], [1, 2, 0], [0, 0, 5]] has eigenvalues 5, 3, 1.
      const out = new Float64Array(3);
      b.units.symmetricEigenvalues(Float64Array.of(2, 1, 0, 1, 2, 0, 0, 0, 5), 3, out);
      const want = [5, 3, 1];
      out.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12, `${v} vs ${want[i]}`));
    });
  }
});
