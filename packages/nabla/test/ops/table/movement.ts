/** Op table, movement family: views, reshapes, joins and splits, flips, repeats, triangles. */
import { cat, stack, tensor } from '../../../src/index.js';
import { num, nums, opt, opTable, s, type Call, type GradCase } from '../op-info.js';

/** A piece of split/chunk when the case names one (`index`), else the whole list. */
const piece = <T>(pieces: T[], index: number | undefined): T | T[] => (index === undefined ? pieces : pieces[index]);

const calls: Record<string, Call> = {
  reshape: ([x], a) => x.reshape(nums(a, 'shape')),
  view: ([x], a) => x.view(nums(a, 'shape')),
  viewT: ([x], a) => x.transpose(0, 1).view(nums(a, 'shape')),
  flatten: ([x], a) => x.flatten(opt(a, 'start'), opt(a, 'end')),
  squeeze: ([x], a) => x.squeeze(opt(a, 'dim')),
  squeezeDim: ([x], a) => x.squeeze(num(a, 'dim')),
  unsqueeze: ([x], a) => x.unsqueeze(num(a, 'dim')),
  permute: ([x], a) => x.permute(nums(a, 'dims')),
  transpose: ([x], a) => x.transpose(num(a, 'dim0'), num(a, 'dim1')),
  t: ([x]) => x.t(),
  mT: ([x]) => x.mT,
  T: ([x]) => x.T,
  expand: ([x], a) => x.expand(nums(a, 'shape')),
  expandAs: ([x, y]) => x.expandAs(y),
  narrow: ([x], a) => x.narrow(num(a, 'dim'), num(a, 'start'), num(a, 'length')),
  select: ([x], a) => x.select(num(a, 'dim'), num(a, 'index')),
  slice: ([x], a) => x.slice(num(a, 'dim'), opt(a, 'start'), opt(a, 'end'), num(a, 'step')),
  contiguous: ([x]) => x.contiguous(),
  split: ([x], a) => piece(x.split(a.size as number | number[], num(a, 'dim')), opt(a, 'index')),
  chunk: ([x], a) => piece(x.chunk(num(a, 'chunks'), num(a, 'dim')), opt(a, 'index')),
  unbind: ([x], a) => x.unbind(num(a, 'dim')),
  cat: (xs, a) => cat(xs, num(a, 'dim')),
  catDefault: (xs) => cat(xs),
  stack: (xs, a) => stack(xs, num(a, 'dim')),
  flip: ([x], a) => x.flip(nums(a, 'dims')),
  roll: ([x], a) => x.roll(a.shifts as number | number[], (a.dims ?? undefined) as number | number[] | undefined),
  repeat: ([x], a) => x.repeat(nums(a, 'sizes')),
  tile: ([x], a) => x.tile(nums(a, 'sizes')),
  repeatInterleave: ([x], a) => x.repeatInterleave(num(a, 'repeats'), num(a, 'dim')),
  repeatInterleaveFlat: ([x], a) => x.repeatInterleave(num(a, 'repeats')),
  tril: ([x], a) => x.tril(num(a, 'diagonal')),
  triu: ([x], a) => x.triu(num(a, 'diagonal')),
};

const gradchecks: Record<string, GradCase[]> = {
  reshape: [
    { name: 'reshape', inputs: [s(2, 6)], fn: (x) => x.reshape(3, -1, 2) },
    {
      name: 'reshape of a transpose (copies)',
      inputs: [s(3, 4)],
      fn: (x) =>
        x
          .t()
          .reshape(12)
          .mul(tensor([...Array(12).keys()]).double()),
    },
    {
      name: 'reshape of a strided slice (a view, no copy)',
      inputs: [s(2, 3, 4)],
      fn: (x) => x.slice(2, 1, 3).reshape(6, 2),
    },
  ],
  view: [
    { name: 'view', inputs: [s(2, 6)], fn: (x) => x.view([4, 3]) },
    { name: 'view of a transpose splitting a dim', inputs: [s(4, 6)], fn: (x) => x.t().view(2, 3, 4) },
  ],
  squeeze: [
    { name: 'squeeze of a transposed view', inputs: [s(3, 1, 2)], fn: (x) => x.transpose(0, 2).squeeze(1) },
    { name: 'squeeze all', inputs: [s(1, 3, 1)], fn: (x) => x.squeeze() },
    { name: 'squeeze dim', inputs: [s(3, 1)], fn: (x) => x.squeeze(1) },
  ],
  select: [
    { name: 'select of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().select(0, 2) },
    { name: 'select', inputs: [s(3, 4)], fn: (x) => x.select(1, -1) },
  ],
  permute: [{ name: 'permute', inputs: [s(2, 3, 4)], fn: (x) => x.permute(2, 0, 1).mul(x.permute(2, 0, 1)) }],
  transpose: [{ name: 'transpose', inputs: [s(2, 3, 4)], fn: (x) => x.transpose(0, 2) }],
  mT: [{ name: 'mT', inputs: [s(2, 3, 4)], fn: (x) => x.mT }],
  T: [{ name: 'T', inputs: [s(2, 3, 4)], fn: (x) => x.T }],
  expand: [
    { name: 'expand', inputs: [s(3, 1)], fn: (x) => x.expand(2, 3, 4) },
    { name: 'expand -1', inputs: [s(1, 4)], fn: (x) => x.expand([3, -1]) },
  ],
  narrow: [
    { name: 'narrow', inputs: [s(5, 3)], fn: (x) => x.narrow(0, 1, 3) },
    { name: 'narrow negative start', inputs: [s(3, 5)], fn: (x) => x.narrow(1, -3, 2) },
  ],
  slice: [
    { name: 'slice step 2', inputs: [s(7, 2)], fn: (x) => x.slice(0, 1, undefined, 2) },
    { name: 'slice step 3 of a transpose', inputs: [s(2, 8)], fn: (x) => x.t().slice(0, -7, -1, 3) },
    { name: 'slice to size 0', inputs: [s(4, 2)], fn: (x) => x.slice(0, 3, 1) },
  ],
  unsqueeze: [
    { name: 'unsqueeze', inputs: [s(3, 2)], fn: (x) => x.unsqueeze(1) },
    { name: 'unsqueeze of a transpose', inputs: [s(3, 2)], fn: (x) => x.t().unsqueeze(-1) },
  ],
  flatten: [
    { name: 'flatten', inputs: [s(2, 3, 2)], fn: (x) => x.flatten(1) },
    { name: 'flatten of a permute', inputs: [s(2, 3, 2)], fn: (x) => x.permute(1, 0, 2).flatten() },
  ],
  cat: [
    { name: 'cat dim 0 with a size-0 piece', inputs: [s(2, 3), s(0, 3), s(1, 3)], fn: (a, b, c) => cat([a, b, c], 0) },
    { name: 'cat dim 1 of views', inputs: [s(3, 2), s(2, 3)], fn: (a, b) => cat([a.t(), b.mul(2)], 1) },
  ],
  stack: [
    { name: 'stack dim 1', inputs: [s(2, 3), s(2, 3)], fn: (a, b) => stack([a, b], 1) },
    { name: 'stack 0-d', inputs: [s(), s()], fn: (a, b) => stack([a, b]) },
  ],
  split: [
    {
      name: 'split sizes, used twice',
      inputs: [s(5, 2)],
      fn: (x) => {
        const [p, q] = x.split([2, 3]);
        return cat([q, p.mul(p)]);
      },
    },
    { name: 'split by size', inputs: [s(2, 5)], fn: (x) => x.split(2, 1)[2] },
  ],
  chunk: [
    {
      name: 'chunk',
      inputs: [s(6, 2)],
      fn: (x) => {
        const [a, b, c] = x.chunk(3);
        return a.mul(b).add(c);
      },
    },
  ],
  contiguous: [{ name: 'contiguous of a transpose', inputs: [s(3, 4)], fn: (x) => x.t().contiguous() }],
  clone: [{ name: 'clone', inputs: [s(3)], fn: (x) => x.clone().mul(x) }],
  flip: [{ name: 'flip', inputs: [s(3, 4)], fn: (x) => x.flip(0, 1) }],
  roll: [{ name: 'roll', inputs: [s(4, 3)], fn: (x) => x.mT.roll([1, -2], [0, 1]) }],
  repeat: [{ name: 'repeat', inputs: [s(2, 3)], fn: (x) => x.repeat(2, 1, 3) }],
  tile: [{ name: 'tile', inputs: [s(2, 3)], fn: (x) => x.tile(2) }],
  repeatInterleave: [{ name: 'repeatInterleave', inputs: [s(2, 3)], fn: (x) => x.repeatInterleave(2, 0) }],
  tril: [{ name: 'tril', inputs: [s(2, 3, 3)], fn: (x) => x.tril(-1) }],
  triu: [{ name: 'triu', inputs: [s(4, 3)], fn: (x) => x.mT.triu(1) }],
};

export const movementOps = opTable(calls, gradchecks);
