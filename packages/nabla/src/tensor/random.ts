import { OptionError } from './errors.js';
/**
 * Seedable pseudo-random numbers (xoshiro128**, seeded through splitmix32), so training runs are
 * reproducible. nabla's streams differ from PyTorch's: fixtures pass weights explicitly.
 */
export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the stream; the same seed gives the same numbers. */
  manualSeed(seed: number): this {
    let x = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spare = null;
    return this;
  }

  /** The full state, for checkpoints. */
  getState(): number[] {
    return [...this.s, this.spare === null ? Number.NaN : this.spare];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new OptionError('Generator.setState: expected 5 numbers from getState()');
    this.s.set(state.slice(0, 4));
    this.spare = Number.isNaN(state[4]) ? null : state[4];
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return nextUint32(this.s);
  }

  /** @internal The live xoshiro128** state, for kernels that draw from this stream (backend/random-kernels.ts). */
  stateWords(): Uint32Array {
    return this.s;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }
}

/** The generator used when none is passed. */
export const defaultGenerator = new Generator(0);

/**
 * Seeds the default generator, like `torch.manual_seed`.
 * @example
 * manualSeed(42); const a = randn([2]); manualSeed(42); const b = randn([2]); // a equals b
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** xoshiro128**'s next uint32 from `s` (advanced in place): the one definition the Generator and the random kernels share. */
export function nextUint32(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
