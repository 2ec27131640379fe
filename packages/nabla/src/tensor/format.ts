/**
 * PyTorch's tensor printer (torch/_tensor_str.py, default print options), so `toString()` reads
 * like `print(t)` in Python: one number style for all elements, 80-column rows, summaries of
 * more than 1000 elements. nabla spells `true`/`false`, `dtype=int32` and `requiresGrad=true`.
 */
import type { Tensor } from './tensor.js';

export type NestedArray = number | boolean | NestedArray[];

const LINE_WIDTH = 80;
const PRECISION = 4;
const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

interface Formatter {
  width: number;
  format(v: number): string;
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  return v === -Infinity ? '-inf' : null;
}

const scientific = (v: number): string => special(v) ?? v.toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
const fixed = (v: number): string => special(v) ?? v.toFixed(PRECISION);
const integral = (v: number): string => special(v) ?? `${v.toFixed(0)}.`;

/** Chooses the element style from the (summarized) values, as `_Formatter` does. */
function makeFormatter(values: readonly number[], dtype: Tensor['dtype']): Formatter {
  let style: (v: number) => string;
  if (dtype === 'bool') style = (v) => (v ? 'true' : 'false');
  else if (dtype === 'int32') style = String;
  else {
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) style = integral;
    else {
      const abs = finite.map(Math.abs);
      const min = Math.min(...abs);
      const max = Math.max(...abs);
      const sci = max / min > 1000 || max > 1e8;
      if (finite.every(Number.isInteger)) style = sci ? scientific : integral;
      else style = sci || min < 1e-4 ? scientific : fixed;
    }
    // Width comes from the finite non-zero values only (PyTorch's rule; nan/inf may overflow it).
    const width = Math.max(1, ...finite.map((v) => style(v).length));
    return { width, format: (v) => style(v).padStart(width) };
  }
  const width = Math.max(1, ...values.map((v) => style(v).length));
  return { width, format: (v) => style(v).padStart(width) };
}

/** Row-major element offsets of `t` that the printer looks at (edges only when summarizing). */
function indicesAlong(size: number, summarize: boolean): number[] {
  if (summarize && size > 2 * EDGE_ITEMS) {
    return [
      ...Array.from({ length: EDGE_ITEMS }, (_, i) => i),
      ...Array.from({ length: EDGE_ITEMS }, (_, i) => size - EDGE_ITEMS + i),
    ];
  }
  return Array.from({ length: size }, (_, i) => i);
}

function summarizedValues(
  flat: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[],
  summarize: boolean,
): number[] {
  const out: number[] = [];
  const walk = (dim: number, start: number): void => {
    if (dim === shape.length) {
      out.push(flat[start]);
      return;
    }
    for (const i of indicesAlong(shape[dim], summarize)) walk(dim + 1, start + i * strides[dim]);
  };
  walk(0, 0);
  return out;
}

function render(
  flat: ArrayLike<number>,
  shape: readonly number[],
  fmt: Formatter,
  summarize: boolean,
  indent: number,
): string {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const rec = (dim: number, start: number, ind: number): string => {
    const n = shape[dim];
    const cut = summarize && n > 2 * EDGE_ITEMS;
    const picked = indicesAlong(n, summarize);
    if (dim === shape.length - 1) {
      const items = picked.map((i) => fmt.format(flat[start + i]));
      if (cut) items.splice(EDGE_ITEMS, 0, ' ...');
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - ind) / (fmt.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(ind + 1)}`)}]`;
    }
    const parts = picked.map((i) => rec(dim + 1, start + i * strides[dim], ind + 1));
    if (cut) parts.splice(EDGE_ITEMS, 0, '...');
    return `[${parts.join(`,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(ind + 1)}`)}]`;
  };
  return shape.length === 0 ? fmt.format(flat[0]) : rec(0, 0, indent);
}

/** Appends `, suffix` items, wrapping to a new line past 80 columns (`_add_suffixes`). */
function addSuffixes(body: string, suffixes: readonly string[], indent: number): string {
  let text = body;
  let lastLine = body.length - body.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLine + s.length + 2 > LINE_WIDTH) {
      text += `,\n${' '.repeat(indent)}${s}`;
      lastLine = indent + s.length;
    } else {
      text += `, ${s}`;
      lastLine += s.length + 2;
    }
  }
  return `${text})`;
}

/** PyTorch-like text: `tensor([[ 1.0000, -2.5000], ...], requiresGrad=true)`. */
export function formatTensor(t: Tensor): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (t.numel() === 0) {
    if (t.ndim !== 1) suffixes.push(`size=[${t.shape.join(', ')}]`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=${t.dtype}`);
    body = '[]';
  } else {
    if (t.dtype !== 'float32' && t.dtype !== 'bool') suffixes.push(`dtype=${t.dtype}`);
    const flat = t.toTypedArray();
    const summarize = flat.length > SUMMARY_THRESHOLD;
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const fmt = makeFormatter(summarizedValues(flat, t.shape, strides, summarize), t.dtype);
    body = render(flat, t.shape, fmt, summarize, indent);
  }
  if (t.gradFn) suffixes.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requiresGrad=true');
  return addSuffixes(prefix + body, suffixes, indent);
}
