/**
 * `einsum` as a composite: operands are contracted pairwise, left to right, each pair as one
 * batched matmul after permuting to [batch, free, contracted]; labels no later operand or the
 * output needs are summed out first. Gradients come from permute/reshape/matmul/sum.
 */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { matmul } from './matmul.js';
import { expand, permute, reshape } from './movement.js';
import { sum } from './reduce.js';

interface Term {
  t: Tensor;
  labels: string[];
}

const ELLIPSIS = Array.from({ length: 26 }, (_, i) => String.fromCharCode(0x3b1 + i)); // α, β, ...

function parse(equation: string, operands: readonly Tensor[]): { inputs: string[][]; output: string[] } {
  const eq = equation.replace(/\s/g, '');
  const [lhs, rhs] = eq.split('->');
  const specs = lhs.split(',');
  if (specs.length !== operands.length) {
    throw new OptionError(
      `einsum: equation '${equation}' has ${specs.length} operand(s) but ${operands.length} tensor(s) were given`,
    );
  }
  const nEll = Math.max(0, ...specs.map((s, i) => (s.includes('...') ? operands[i].ndim - (s.length - 3) : 0)));
  const check = (sub: string): void => {
    if (!/^([a-zA-Z]|\.\.\.)*$/.test(sub))
      throw new OptionError(`einsum: invalid subscripts '${sub}' in '${equation}' (letters and '...' only)`);
  };
  // '...' stands for the trailing ones of the nEll broadcast labels (operands align right).
  const labelsOf = (sub: string, ndim: number): string[] => {
    check(sub);
    if (!sub.includes('...')) return [...sub];
    const [pre, post] = sub.split('...');
    const own = ndim - pre.length - post.length;
    return [...pre, ...ELLIPSIS.slice(nEll - own, nEll), ...post];
  };
  const inputs = specs.map((sub, i) => {
    const labels = labelsOf(sub, operands[i].ndim);
    if (labels.length !== operands[i].ndim) {
      throw new ShapeError(
        `einsum: subscripts '${sub}' name ${labels.length} dims but operand ${i} has shape ${formatShape(operands[i].shape)}`,
      );
    }
    return labels;
  });
  let output: string[];
  if (rhs === undefined) {
    const all = inputs.flat();
    const once = [...new Set(all)].filter((l) => !ELLIPSIS.includes(l) && all.indexOf(l) === all.lastIndexOf(l)).sort();
    output = [...ELLIPSIS.slice(0, nEll), ...once];
  } else {
    output = labelsOf(rhs, nEll + rhs.replace('...', '').length);
  }
  inputs.forEach((labels, i) => {
    if (new Set(labels).size !== labels.length)
      throw new OptionError(
        `einsum: repeated subscripts within operand ${i} ('${specs[i]}', a diagonal) are not supported`,
      );
  });
  const known = new Set(inputs.flat());
  for (const l of output)
    if (!known.has(l))
      throw new OptionError(`einsum: output subscript '${l}' does not appear in any input of '${equation}'`);
  return { inputs, output };
}

/** Sums out the labels of `a` that `keep` does not list. */
function reduceTo(a: Term, keep: ReadonlySet<string>): Term {
  const drop = a.labels.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (!drop.length) return a;
  return { t: sum(a.t, drop), labels: a.labels.filter((l) => keep.has(l)) };
}

function contract(a: Term, b: Term, keep: ReadonlySet<string>): Term {
  a = reduceTo(a, new Set([...keep, ...b.labels]));
  b = reduceTo(b, new Set([...keep, ...a.labels]));
  const inB = new Set(b.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aFree = a.labels.filter((l) => !inB.has(l));
  const bFree = b.labels.filter((l) => !a.labels.includes(l));
  const size = (l: string): number =>
    Math.max(a.t.shape[a.labels.indexOf(l)] ?? 1, b.t.shape[b.labels.indexOf(l)] ?? 1);
  const arrange = (x: Term, order: string[]): Tensor => {
    const p = permute(
      x.t,
      order.map((l) => x.labels.indexOf(l)),
    );
    return expand(p, order.map(size)); // size-1 dims broadcast against the other operand
  };
  const prod = (ls: string[]): number => ls.reduce((n, l) => n * size(l), 1);
  const A = reshape(arrange(a, [...batch, ...aFree, ...summed]), [prod(batch), prod(aFree), prod(summed)]);
  const B = reshape(arrange(b, [...batch, ...summed, ...bFree]), [prod(batch), prod(summed), prod(bFree)]);
  const labels = [...batch, ...aFree, ...bFree];
  return { t: reshape(matmul(A, B), labels.map(size)), labels };
}

/**
 * Einstein summation, like `torch.einsum`: `'ij,jk->ik'` is a matrix product, `'bij,bjk->bik'`
 * a batched one, `'i,i->'` a dot product; '...' stands for leading dims; without '->' the
 * output is the labels used once, sorted. Repeated labels within one operand are not supported.
 * @example
 * einsum('ij,jk->ik', ones([2, 3]), ones([3, 4])).shape; // [2, 4]
 */
export function einsum(equation: string, ...operands: Tensor[] | [readonly Tensor[]]): Tensor {
  const ops = (Array.isArray(operands[0]) ? operands[0] : operands) as readonly Tensor[];
  const { inputs, output } = parse(equation, ops);
  const sizes = new Map<string, number>();
  inputs.forEach((labels, i) =>
    labels.forEach((l, d) => {
      const s = ops[i].shape[d];
      const prev = sizes.get(l);
      if (prev !== undefined && prev !== s && prev !== 1 && s !== 1) {
        throw new ShapeError(
          `einsum: subscript '${l}' has size ${s} in operand ${i} (shape ${formatShape(ops[i].shape)}) but ${prev} elsewhere`,
        );
      }
      if (prev === undefined || prev === 1) sizes.set(l, s);
    }),
  );
  const terms: Term[] = ops.map((t, i) => ({ t, labels: inputs[i] }));
  let acc = terms[0];
  for (let i = 1; i < terms.length; i++) {
    const later = new Set([...output, ...terms.slice(i + 1).flatMap((x) => x.labels)]);
    acc = contract(acc, terms[i], later);
  }
  acc = reduceTo(acc, new Set(output));
  const perm = output.map((l) => acc.labels.indexOf(l));
  const out = permute(acc.t, perm);
  return expand(
    out,
    output.map((l) => sizes.get(l)!),
  );
}
