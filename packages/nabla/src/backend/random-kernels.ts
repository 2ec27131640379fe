import type { FloatArray } from '../tensor/dtype.js';

/**
 * Kernels that draw from a Generator's stream: `state` is its xoshiro128** state (four uint32
 * words, tensor/random.ts), advanced in place by one draw per element, so every backend gives
 * the reference's numbers and leaves the generator where the reference would.
 */
export interface RandomKernels {
  /**
   * `out[i] = u < keep ? value : 0`, with u the stream's next uniform in [0, 1) (a uint32 over
   * 2^32, compared in float64): dropout's scaled keep mask.
   */
  bernoulliMask(state: Uint32Array, out: FloatArray, keep: number, value: number): void;
}
