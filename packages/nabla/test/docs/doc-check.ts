/**
 * Runtime side of the docs test: `check` compares what an example line returns with the value
 * its `// comment` promises, to the precision the comment is written in.
 */
import { Tensor } from '../../src/index.js';

type Plain = number | boolean | string | null | undefined | Plain[] | { [k: string]: Plain };

function plain(v: unknown, expected: unknown): Plain {
  if (v instanceof Tensor) {
    if (typeof expected === 'number' || typeof expected === 'boolean')
      return plain(v.numel() === 1 ? v.item() : v.toArray(), expected);
    return v.toArray() as Plain;
  }
  if (Array.isArray(v)) return v.map((e, i) => plain(e, Array.isArray(expected) ? expected[i] : undefined));
  if (v && typeof v === 'object') {
    const exp = (expected ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.keys(exp).map((k) => [k, plain((v as Record<string, unknown>)[k], exp[k])]));
  }
  return v as Plain;
}

function mismatch(a: Plain, e: Plain, atol: number, path: string): string | null {
  if (typeof e === 'number') {
    const n = typeof a === 'boolean' ? +a : a;
    if (typeof n !== 'number') return `${path}: got ${JSON.stringify(a)}, documented ${e}`;
    return Math.abs(n - e) <= atol + 1e-6 * Math.abs(e) ? null : `${path}: got ${n}, documented ${e}`;
  }
  if (Array.isArray(e)) {
    if (!Array.isArray(a) || a.length !== e.length)
      return `${path}: got ${JSON.stringify(a)}, documented ${JSON.stringify(e)}`;
    for (let i = 0; i < e.length; i++) {
      const m = mismatch(a[i], e[i], atol, `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (e && typeof e === 'object') {
    for (const k of Object.keys(e)) {
      const m = mismatch((a as Record<string, Plain>)?.[k], e[k], atol, `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  return a === e ? null : `${path}: got ${JSON.stringify(a)}, documented ${JSON.stringify(e)}`;
}

/** Mismatches found so far, as `file:line: what`, and how many values were checked. */
export const problems: string[] = [];
export const stats = { checked: 0 };

/** Records a problem when `actual` differs from `expected` beyond the comment's last digit. */
export function check(actual: unknown, expected: unknown, decimals: number, where: string): void {
  stats.checked++;
  const atol = decimals > 0 ? 0.5 * 10 ** -decimals : 1e-6;
  const m = mismatch(plain(actual, expected), expected as Plain, atol, 'value');
  if (m) problems.push(`${where}: ${m}`);
}
