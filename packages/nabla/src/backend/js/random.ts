import { nextUint32 } from '../../tensor/random.js';
import type { RandomKernels } from '../random-kernels.js';

/** The reference random kernels (see ../random-kernels.ts). */
export const random: RandomKernels = {
  bernoulliMask(state, out, keep, value) {
    for (let i = 0; i < out.length; i++) out[i] = nextUint32(state) / 4294967296 < keep ? value : 0;
  },
};
