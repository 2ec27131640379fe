/** Op table, linear algebra: matmul and its relatives, einsum, distances, diag, linear. */
import * as nb from '../../../src/index.js';
import { nn } from '../../../src/index.js';
import { num, opTable, s, type Call, type GradCase } from '../op-info.js';

const F = nn.functional;
const calls: Record<string, Call> = {
  matmul: ([x, y]) => x.matmul(y),
  einsum: (xs, a) => nb.einsum(a.eq as string, ...xs),
  mm: ([x, y]) => nb.mm(x, y),
  bmm: ([x, y]) => x.bmm(y),
  mv: ([x, y]) => x.mv(y),
  dot: ([x, y]) => nb.dot(x, y),
  outer: ([x, y]) => x.outer(y),
  trace: ([x]) => x.trace(),
  cdist: ([x, y], a) => nb.cdist(x, y, num(a, 'p')),
  pairwiseDistance: ([x, y]) => F.pairwiseDistance(x, y),
  diag: ([x], a) => x.diag(num(a, 'diagonal')),
  linear: ([x, w, b]) => F.linear(x, w, b),
  linearNoBias: ([x, w]) => F.linear(x, w),
};

const mm = (a: nb.Tensor, b: nb.Tensor): nb.Tensor => a.matmul(b);
const gradchecks: Record<string, GradCase[]> = {
  matmul: [
    { name: 'matmul 1-D . 1-D', inputs: [s(4), s(4)], fn: mm },
    { name: 'matmul 2-D . 1-D', inputs: [s(3, 4), s(4)], fn: mm },
    { name: 'matmul 1-D . 2-D', inputs: [s(4), s(4, 2)], fn: mm },
    { name: 'matmul 2-D . 2-D', inputs: [s(3, 4), s(4, 2)], fn: mm },
    { name: 'matmul of transposed views', inputs: [s(4, 3), s(2, 4)], fn: (a, b) => a.t().matmul(b.t()) },
    { name: 'matmul of a strided slice', inputs: [s(6, 4), s(4, 2)], fn: (a, b) => a.slice(0, 0, 6, 2).matmul(b) },
    { name: 'matmul batched 3-D', inputs: [s(2, 3, 4), s(2, 4, 2)], fn: mm },
    { name: 'matmul broadcast batch [2,1,3,4] . [3,4,2]', inputs: [s(2, 1, 3, 4), s(3, 4, 2)], fn: mm },
    { name: 'matmul batched . 1-D', inputs: [s(2, 3, 4), s(4)], fn: mm },
    { name: 'matmul 1-D . batched', inputs: [s(3), s(2, 3, 4)], fn: mm },
    {
      name: 'matmul batched of permuted views',
      inputs: [s(3, 2, 4), s(2, 2, 4)],
      fn: (a, b) => a.permute(1, 0, 2).matmul(b.mT),
    },
    { name: 'matmul size-1 dims', inputs: [s(1, 4), s(4, 1)], fn: mm },
    { name: 'matmul inner size 0', inputs: [s(2, 0), s(0, 3)], fn: mm },
    { name: 'matmul outer size 0', inputs: [s(0, 3), s(3, 2)], fn: mm },
  ],
  linear: [
    { name: 'linear 2-D with bias', inputs: [s(3, 4), s(2, 4), s(2)], fn: (x, w, b) => F.linear(x, w, b) },
    { name: 'linear 1-D input, no bias', inputs: [s(4), s(2, 4)], fn: (x, w) => F.linear(x, w) },
    {
      name: 'linear batched 3-D input of a transpose',
      inputs: [s(2, 4, 3), s(5, 3), s(5)],
      fn: (x, w, b) => F.linear(x.transpose(0, 1), w, b),
    },
    { name: 'linear with a transposed weight view', inputs: [s(2, 3), s(3, 4)], fn: (x, w) => F.linear(x, w.t()) },
  ],
  mm: [{ name: 'mm', inputs: [s(2, 3), s(4, 3)], fn: (a, b) => a.mm(b.mT) }],
  bmm: [{ name: 'bmm', inputs: [s(2, 2, 3), s(2, 3, 2)], fn: (a, b) => a.bmm(b) }],
  dot: [{ name: 'dot', inputs: [s(4), s(4)], fn: (a, b) => a.dot(b) }],
  outer: [{ name: 'outer', inputs: [s(3), s(2)], fn: (a, b) => a.outer(b) }],
  trace: [{ name: 'trace', inputs: [s(3, 3)], fn: (x) => x.trace() }],
  einsum: [
    {
      name: 'einsum attention scores',
      inputs: [s(2, 3, 4), s(2, 5, 4)],
      fn: (q, k) => nb.einsum('bqd,bkd->bqk', q, k),
    },
    {
      name: 'einsum three operands',
      inputs: [s(2, 3), s(3, 2), s(2, 2)],
      fn: (a, b, c) => nb.einsum('ij,jk,kl->il', a, b, c),
    },
  ],
  cdist: [{ name: 'cdist', inputs: [s(3, 2), s(4, 2)], fn: (a, b) => nb.cdist(a, b) }],
  diag: [
    {
      name: 'diag of a vector (offset) and of a matrix',
      inputs: [s(3), s(3, 4)],
      fn: (d, m) => d.diag(1).sum().add(m.diag(-1).mul(2).sum()),
    },
  ],
};

export const linalgOps = opTable(calls, gradchecks);
