import type { RandomKernels } from '../random-kernels.js';

/** xoshiro128**'s next uint32 from `s` (advanced in place): the one definition the Generator and the kernels share. */
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

/** The reference random kernels (see ../random-kernels.ts). */
export const random: RandomKernels = {
  bernoulliMask(state, out, keep, value) {
    for (let i = 0; i < out.length; i++) out[i] = nextUint32(state) / 4294967296 < keep ? value : 0;
  },
};
