/** Op table, indexing family: gather, indexSelect, scatter, masks, nonzero, unique, bincount. */
import * as nb from '../../../src/index.js';
import { tensor } from '../../../src/index.js';
import { idx, num, opTable, s, type Call, type GradCase } from '../op-info.js';

const calls: Record<string, Call> = {
  gather: ([x, i], a) => x.gather(num(a, 'dim'), i),
  indexSelect: ([x, i], a) => x.indexSelect(num(a, 'dim'), i),
  scatter: ([x, i, src], a) => x.scatter(num(a, 'dim'), i, src),
  scatterScalar: ([x, i], a) => nb.scatter(x, num(a, 'dim'), i, num(a, 'value')),
  scatterAdd: ([x, i, src], a) => x.scatterAdd(num(a, 'dim'), i, src),
  nonzero: ([x]) => x.nonzero(),
  maskedSelect: ([x, m]) => x.maskedSelect(m),
  unique: ([x]) => nb.unique(x),
  uniqueAll: ([x]) => nb.unique(x, { returnInverse: true, returnCounts: true }),
  uniqueCounts: ([x]) => nb.unique(x, { returnCounts: true }),
  bincount: ([x], a) => nb.bincount(x, null, num(a, 'minlength')),
  bincountW: ([x, w]) => nb.bincount(x, w),
};

const gradchecks: Record<string, GradCase[]> = {
  gather: [
    {
      name: 'gather dim 1 with repeats',
      inputs: [s(3, 4)],
      fn: (x) =>
        x.gather(
          1,
          idx([
            [0, 0],
            [3, 1],
            [2, 2],
          ]),
        ),
    },
    {
      name: 'gather dim 0, smaller index',
      inputs: [s(4, 3)],
      fn: (x) =>
        x.gather(
          0,
          idx([
            [3, 0],
            [1, 1],
          ]),
        ),
    },
    {
      name: 'gather of a transpose, negative index',
      inputs: [s(4, 3)],
      fn: (x) => x.t().gather(1, idx([[-1], [0], [2]])),
    },
  ],
  indexSelect: [
    { name: 'indexSelect dim 0 with repeats', inputs: [s(4, 3)], fn: (x) => x.indexSelect(0, idx([2, 0, 2])) },
    { name: 'indexSelect dim 1 of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().indexSelect(1, idx([1, 2])) },
    { name: 'indexSelect empty index', inputs: [s(4, 3)], fn: (x) => x.indexSelect(0, idx([])) },
  ],
  scatter: [
    {
      name: 'scatter (x and src)',
      inputs: [s(2, 4), s(2, 2)],
      fn: (x, src) =>
        x.scatter(
          1,
          idx([
            [2, 0],
            [1, 3],
          ]),
          src,
        ),
    },
  ],
  scatterAdd: [
    {
      name: 'scatterAdd with repeats',
      inputs: [s(2, 3), s(1, 3)],
      fn: (x, src) => x.scatterAdd(0, idx([[1, 1, 0]]), src),
    },
  ],
  maskedSelect: [{ name: 'maskedSelect', inputs: [s(2, 3)], fn: (x) => x.maskedSelect(tensor([true, false, true])) }],
};

export const indexingOps = opTable(calls, gradchecks);
