/** Op table, creation family: arange, linspace, eye, full, zeros, ones (no inputs, no gradients). */
import * as nb from '../../../src/index.js';
import { num, nums, opt, opTable, type Call } from '../op-info.js';

const calls: Record<string, Call> = {
  arange: (_, a) => {
    const [p, q, r] = nums(a, 'args');
    return q === undefined ? nb.arange(p) : nb.arange(p, q, r);
  },
  linspace: (_, a) => nb.linspace(num(a, 's'), num(a, 'e'), num(a, 'n')),
  eye: (_, a) => nb.eye(num(a, 'n'), opt(a, 'm')),
  full: (_, a) => nb.full(nums(a, 'shape'), num(a, 'value')),
  zeros: (_, a) => nb.zeros(nums(a, 'shape')),
  ones: (_, a) => nb.ones(nums(a, 'shape'), { dtype: 'float64' }),
};

export const creationOps = opTable(calls, {});
