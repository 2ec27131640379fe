import assert from 'node:assert/strict';
import { Tensor } from '../src/index.js';

type Numeric = Tensor | number | readonly unknown[];

function flatten(x: Numeric): number[] {
  if (x instanceof Tensor) return Array.from(x.toTypedArray());
  if (typeof x === 'number') return [x];
  return (x as unknown[]).flat(Infinity) as number[];
}

/** Asserts elementwise |a - e| <= atol + rtol·|e| (NaN matches NaN), naming the first bad element. */
export function assertClose(actual: Numeric, expected: Numeric, { rtol = 1e-5, atol = 1e-6, message = '' } = {}): void {
  if (actual instanceof Tensor && expected instanceof Tensor) {
    assert.deepEqual([...actual.shape], [...expected.shape], `${message} shape`);
  }
  const a = flatten(actual);
  const e = flatten(expected);
  assert.equal(a.length, e.length, `${message} length ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (a[i] === e[i]) continue;
    const ok = Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    assert.ok(ok, `${message} element ${i}: got ${a[i]}, expected ${e[i]} (rtol ${rtol}, atol ${atol})`);
  }
}
