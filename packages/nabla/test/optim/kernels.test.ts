// The fused optimizer kernels of every backend against the JS reference, bit for bit, on random
// float32 data for every option combination, over sizes that cross the SIMD width and the WASM
// backend's chunk size (8192).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsBackend, type Backend } from '../../src/index.js';
import type { OptimKernels } from '../../src/backend/kernels.js';
import { backendsUnderTest } from '../backends.js';
import { optimWasmMin } from '../../src/backend/wasm/optim.js';

// Every size goes through the WASM kernels here (small ones otherwise stay on the JS loop).
optimWasmMin.sgd = 0;
optimWasmMin.other = 0;

const SIZES = [1, 3, 4, 7, 33, 8192 + 5, 20000];
const others = backendsUnderTest().filter((b) => b !== jsBackend);

/** A deterministic stream of floats (xorshift), so failures reproduce. */
function randoms(seed: number): (n: number, positive?: boolean) => Float32Array {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return (n, positive = false) =>
    Float32Array.from({ length: n }, () => {
      const x = (next() - 0.5) * 4 * 10 ** Math.floor(next() * 3 - 1);
      return positive ? Math.abs(x) : x;
    });
}

function combos<K extends string>(keys: readonly K[]): Record<K, boolean>[] {
  return Array.from(
    { length: 1 << keys.length },
    (_, m) => Object.fromEntries(keys.map((k, i) => [k, ((m >> i) & 1) === 1])) as Record<K, boolean>,
  );
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Runs `step` three times on each backend from the same start and compares every array after each. */
function agree(
  other: Backend,
  label: string,
  make: (n: number, rnd: ReturnType<typeof randoms>) => (Float32Array | null)[],
  step: (k: OptimKernels, a: (Float32Array | null)[], t: number) => void,
): void {
  for (const n of SIZES) {
    const start = make(n, randoms(n * 7919 + label.length));
    const ref = start.map((a) => a?.slice() ?? null);
    const got = start.map((a) => a?.slice() ?? null);
    for (let t = 1; t <= 3; t++) {
      step(jsBackend.optim, ref, t);
      step(other.optim, got, t);
      ref.forEach((r, i) => {
        if (r) assert.deepEqual(bits(got[i]!), bits(r), `${label}, n=${n}, step ${t}, array ${i}`);
      });
    }
  }
}

for (const backend of others) {
  describe(`${backend.name} optimizer kernels equal the js kernels bit for bit`, () => {
    it('sgd: every combination of momentum, dampening, Nesterov, weight decay, maximize, first step', () => {
      for (const o of combos(['momentum', 'dampening', 'nesterov', 'decay', 'maximize', 'first'] as const)) {
        const h = {
          lr: 0.037,
          momentum: o.momentum ? 0.9 : 0,
          dampening: o.dampening ? 0.13 : 0,
          weightDecay: o.decay ? 0.011 : 0,
          nesterov: o.nesterov,
          maximize: o.maximize,
        };
        agree(
          backend,
          `sgd ${JSON.stringify(o)}`,
          (n, r) => [r(n), r(n), o.momentum ? r(n) : null],
          (k, [p, g, b], t) => k.sgd(p!, g!, b, o.first && t === 1, h),
        );
      }
    });

    it('adam / adamw: every combination of weight decay, amsgrad, maximize', () => {
      for (const o of combos(['decoupled', 'decay', 'amsgrad', 'maximize'] as const)) {
        const h = {
          lr: 0.003,
          betas: [0.87, 0.993] as const,
          eps: 1e-6,
          weightDecay: o.decay ? 0.02 : 0,
          maximize: o.maximize,
        };
        agree(
          backend,
          `adam ${JSON.stringify(o)}`,
          (n, r) => [r(n), r(n), r(n), r(n, true), o.amsgrad ? r(n, true) : null],
          (k, [p, g, m, v, vm], t) => k.adam(p!, g!, m!, v!, vm, t, h, o.decoupled),
        );
      }
    });

    it('rmsprop: every combination of centered, momentum, weight decay, maximize', () => {
      for (const o of combos(['centered', 'momentum', 'decay', 'maximize'] as const)) {
        const h = {
          lr: 0.01,
          alpha: 0.97,
          eps: 1e-5,
          weightDecay: o.decay ? 0.03 : 0,
          momentum: o.momentum ? 0.8 : 0,
          maximize: o.maximize,
        };
        // A centered average needs s ≥ a² to stay real; start a at zero as the optimizer does.
        agree(
          backend,
          `rmsprop ${JSON.stringify(o)}`,
          (n, r) => [r(n), r(n), r(n, true), o.momentum ? r(n) : null, o.centered ? new Float32Array(n) : null],
          (k, [p, g, s, b, a]) => k.rmsprop(p!, g!, s!, b, a, h),
        );
      }
    });

    it('adagrad and adadelta: every combination of weight decay, maximize (and lr decay)', () => {
      for (const o of combos(['decay', 'maximize'] as const)) {
        const ha = { lr: 0.05, lrDecay: 0.01, eps: 1e-10, weightDecay: o.decay ? 0.01 : 0, maximize: o.maximize };
        agree(
          backend,
          `adagrad ${JSON.stringify(o)}`,
          (n, r) => [r(n), r(n), r(n, true)],
          (k, [p, g, s], t) => k.adagrad(p!, g!, s!, t, ha),
        );
        const hd = { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: o.decay ? 0.01 : 0, maximize: o.maximize };
        agree(
          backend,
          `adadelta ${JSON.stringify(o)}`,
          (n, r) => [r(n), r(n), r(n, true), r(n, true)],
          (k, [p, g, v, u]) => k.adadelta(p!, g!, v!, u!, hd),
        );
      }
    });
  });
}

describe('optimizer kernels', () => {
  it('keep float64 parameters on the float64 path on every backend', () => {
    for (const backend of backendsUnderTest()) {
      const p = Float64Array.of(1, 2);
      backend.optim.sgd(p, Float64Array.of(0.1, 0.2), null, false, {
        lr: 0.1,
        momentum: 0,
        dampening: 0,
        weightDecay: 0,
        nesterov: false,
        maximize: false,
      });
      assert.deepEqual([...p], [1 - 0.1 * 0.1, 2 - 0.1 * 0.2], backend.name);
    }
  });

  it('has a WASM backend to compare where WebAssembly SIMD exists', () => {
    assert.ok(others.length > 0 || typeof WebAssembly === 'undefined');
  });
});
