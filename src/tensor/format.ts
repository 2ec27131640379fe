import type { Tensor } from './tensor.js';

export type NestedArray = number | boolean | NestedArray[];

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** Chooses one number style for all elements, as PyTorch's printer does. */
function makeFormatter(values: number[], dtype: Tensor['dtype']): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype === 'int32') return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const allInts = finite.every((v) => Number.isInteger(v));
  const absValues = finite.map(Math.abs).filter((v) => v > 0);
  const maxAbs = absValues.length ? Math.max(...absValues) : 0;
  const minAbs = absValues.length ? Math.min(...absValues) : 0;
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  if (allInts && maxAbs < 1e8) return (v) => special(v) ?? `${v.toFixed(0)}.`;
  if (maxAbs >= 1e8 || (minAbs > 0 && minAbs < 1e-4) || maxAbs / (minAbs || 1) > 1e3 && maxAbs > 1e3) {
    return (v) => special(v) ?? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return (v) => special(v) ?? v.toFixed(4);
}

/** PyTorch-like text: `tensor([[ 1.0000, -2.5000], ...], requiresGrad=true)`. */
export function formatTensor(t: Tensor): string {
  const flat = Array.from(t.toTypedArray());
  const summarize = flat.length > SUMMARY_THRESHOLD;
  const fmt = makeFormatter(flat, t.dtype);
  const width = Math.max(1, ...flat.map((v) => fmt(v).length));
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const indent = 'tensor('.length;

  const render = (dim: number, start: number): string => {
    if (dim === t.ndim) return fmt(flat[start]).padStart(width);
    const n = t.shape[dim];
    const show = summarize && n > 2 * EDGE_ITEMS
      ? [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), -1, ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)]
      : Array.from({ length: n }, (_, i) => i);
    const parts = show.map((i) => (i < 0 ? '...' : render(dim + 1, start + i * strides[dim])));
    const sep = dim === t.ndim - 1 ? ', ' : ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${parts.join(sep)}]`;
  };

  const extras: string[] = [];
  if (t.dtype !== 'float32' && !(t.dtype === 'bool')) extras.push(`dtype=${t.dtype}`);
  if (t.numel() === 0) extras.push(`size=[${t.shape.join(', ')}]`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  const body = t.numel() === 0 ? '[]' : render(0, 0);
  return `tensor(${[body, ...extras].join(', ')})`;
}
