import { tensor } from '../tensor/create.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The two-spirals toy problem: `n` points on each of two interleaved spirals (1.5 turns each,
 * Gaussian noise of `noise`), as features `[2n, 2]` and int32 labels 0/1 — the classic case a
 * linear model cannot separate and a small MLP can.
 * @example
 * const [x, y] = twoSpirals(100, new Generator(1)); // x: [200, 2], y: int32 [200]
 */
export function twoSpirals(n: number, generator: Generator = defaultGenerator, noise = 0.02): [Tensor, Tensor] {
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = (i / n) * 3 * Math.PI + 0.5;
    for (const [label, sign] of [
      [0, 1],
      [1, -1],
    ]) {
      xs.push([
        (sign * t * Math.cos(t)) / 10 + generator.normal() * noise,
        (sign * t * Math.sin(t)) / 10 + generator.normal() * noise,
      ]);
      ys.push(label);
    }
  }
  return [tensor(xs), tensor(ys, { dtype: 'int32' })];
}
