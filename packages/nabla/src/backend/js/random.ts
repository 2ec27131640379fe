import { nextUint32 } from '../../tensor/random.js';
import type { RandomKernels } from '../random-kernels.js';

/** The reference random kernels (see ../random-kernels.ts). */
export const random: RandomKernels = {
  bernoulliMask(state, out, keep, value) {
    // For a uint32 u, u / 2^32 < keep exactly when u < ceil(keep · 2^32) (scaling by 2^32 is exact),
    // and the outcome picks from a table instead of branching: keep or drop is random, so a branch
    // would mispredict on a large share of the draws.
    const limit = Math.ceil(keep * 4294967296);
    const pick = new Float64Array([0, value]);
    for (let i = 0; i < out.length; i++) out[i] = pick[+(nextUint32(state) < limit)];
  },
};
