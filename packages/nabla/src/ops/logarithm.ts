/** Logarithms in other bases, composed from the natural `log` (so their gradients come with it). */
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, log } from './elementwise.js';
import './methods.js';

/**
 * `log2(x)`.
 * @example
 * tensor([8]).log2(); // [3]
 */
export function log2(x: Tensor): Tensor {
  return div(log(x), Math.LN2);
}
/**
 * `log10(x)`.
 * @example
 * tensor([100]).log10(); // [2]
 */
export function log10(x: Tensor): Tensor {
  return div(log(x), Math.LN10);
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const logarithmMethods = {
  log2(this: Tensor): Tensor {
    return log2(this);
  },
  log10(this: Tensor): Tensor {
    return log10(this);
  },
};
installMethods(logarithmMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof logarithmMethods> {}
}
