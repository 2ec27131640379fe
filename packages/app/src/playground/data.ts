/**
 * The playground's 2-D data: the built-in sets (drawn from nabla's seeded `Generator`, so a data
 * seed gives the same points in every browser and in Node), clicked points, and CSV files.
 * Coordinates lie in [-1, 1]²; labels are class indices (classification) or a number (regression).
 */
import { Generator } from 'nabla';

export const DATASETS = ['circle', 'xor', 'gauss', 'spiral', 'regression', 'csv'] as const;
export type DatasetName = (typeof DATASETS)[number];
export const MAX_CLASSES = 6;
export const MAX_CSV_ROWS = 5000;

/** One set of points: `x` holds x1, x2 pairs; `y` class indices or regression targets. */
export interface Points {
  x: Float32Array;
  y: Float32Array;
  /** Classes (≥ 2), or 0 for a regression target. */
  classes: number;
}

/** Points split into train and test (the order of each part is the data's own). */
export interface DataSplit {
  train: Points;
  test: Points;
}

export interface DataOptions {
  name: Exclude<DatasetName, 'csv'>;
  /** Points in total (train + test). */
  count: number;
  /** 0..1: how much the points are scattered. */
  noise: number;
  /** Classes of gauss and spiral (2..6); circle and xor have 2. */
  classes: number;
  seed: number;
}

/** The regression set's surface, on [-1, 1]². */
export function surface(x1: number, x2: number): number {
  return Math.sin(Math.PI * x1) * Math.cos((Math.PI * x2) / 2);
}

/** Draws one built-in set; the same options give the same points. */
export function generate(o: DataOptions): Points {
  const g = new Generator(o.seed);
  const n = o.count;
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  const k = o.name === 'gauss' || o.name === 'spiral' ? Math.min(Math.max(o.classes, 2), MAX_CLASSES) : 2;
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * g.random();
  for (let i = 0; i < n; i++) {
    let x1 = 0;
    let x2 = 0;
    let label = 0;
    if (o.name === 'circle') {
      label = i % 2;
      const r = label === 0 ? uniform(0, 0.45) : uniform(0.65, 0.95);
      const angle = uniform(0, 2 * Math.PI);
      x1 = r * Math.cos(angle) + 0.15 * o.noise * g.normal();
      x2 = r * Math.sin(angle) + 0.15 * o.noise * g.normal();
    } else if (o.name === 'xor') {
      // Kept off the axes by a margin, so noise 0 is separable with room to spare.
      const margin = 0.08;
      x1 = uniform(margin, 0.95) * (g.random() < 0.5 ? -1 : 1);
      x2 = uniform(margin, 0.95) * (g.random() < 0.5 ? -1 : 1);
      label = x1 * x2 > 0 ? 0 : 1;
      x1 += 0.25 * o.noise * g.normal();
      x2 += 0.25 * o.noise * g.normal();
    } else if (o.name === 'gauss') {
      label = i % k;
      const angle = (2 * Math.PI * label) / k + 0.3;
      const spread = 0.1 + 0.35 * o.noise;
      x1 = 0.55 * Math.cos(angle) + spread * g.normal();
      x2 = 0.55 * Math.sin(angle) + spread * g.normal();
    } else if (o.name === 'spiral') {
      label = i % k;
      const t = g.random();
      const r = 0.05 + 0.9 * t;
      const angle = 1.25 * t * 2 * Math.PI + (2 * Math.PI * label) / k;
      x1 = r * Math.cos(angle) + 0.1 * o.noise * g.normal();
      x2 = r * Math.sin(angle) + 0.1 * o.noise * g.normal();
    } else {
      x1 = uniform(-1, 1);
      x2 = uniform(-1, 1);
      label = surface(x1, x2) + 0.5 * o.noise * g.normal();
    }
    x[2 * i] = clampUnit(x1);
    x[2 * i + 1] = clampUnit(x2);
    y[i] = label;
  }
  return { x, y, classes: o.name === 'regression' ? 0 : k };
}

const clampUnit = (v: number) => Math.min(1, Math.max(-1, v));

/** Shuffles (with `seed`) and cuts at `trainFraction`; `extra` (clicked points) all go to train. */
export function split(points: Points, trainFraction: number, seed: number, extra: Points | null = null): DataSplit {
  const n = points.y.length;
  const g = new Generator(seed + 0x9e37);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const cut = Math.round(n * trainFraction);
  const pick = (idx: number[], more: Points | null): Points => {
    const m = more ? more.y.length : 0;
    const x = new Float32Array(2 * (idx.length + m));
    const y = new Float32Array(idx.length + m);
    idx.forEach((s, i) => {
      x[2 * i] = points.x[2 * s];
      x[2 * i + 1] = points.x[2 * s + 1];
      y[i] = points.y[s];
    });
    if (more) {
      x.set(more.x, 2 * idx.length);
      y.set(more.y, idx.length);
    }
    return { x, y, classes: points.classes };
  };
  return { train: pick(order.slice(0, cut), extra), test: pick(order.slice(cut), null) };
}

/** A clear message for a bad CSV file: which line, and what is wrong. */
export class CsvError extends Error {}

/**
 * Reads a CSV of `x1,x2,label` rows (a header line is optional; `,` `;` or tab separated; a fourth
 * `split` column of train/test, as `toCsv` writes, is allowed and ignored).
 * Integer labels 0..5 make a classification set, anything else a regression target. Each
 * coordinate column is scaled by its largest absolute value into [-1, 1].
 */
export function parseCsv(text: string, fileName = 'the file'): Points & { scale: [number, number] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: number[][] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const all = line.split(/[,;\t]/).map((c) => c.trim());
    // A fourth column `split` (train/test), as the playground's own export writes, is read past.
    const cells = all.length === 4 && /^(train|test|split)$/.test(all[3]) ? all.slice(0, 3) : all;
    if (cells.length !== 3)
      throw new CsvError(
        `${fileName}, line ${i + 1}: expected 3 columns (x1, x2, label), got ${cells.length}: "${line.slice(0, 60)}"`,
      );
    const values = cells.map(Number);
    const bad = values.findIndex((v, c) => cells[c] === '' || !Number.isFinite(v));
    if (bad >= 0) {
      if (rows.length === 0 && values.some((v) => !Number.isFinite(v)) && i === firstContentLine(lines)) return; // header
      throw new CsvError(`${fileName}, line ${i + 1}, column ${bad + 1}: "${cells[bad]}" is not a number`);
    }
    rows.push(values);
  });
  if (rows.length === 0) throw new CsvError(`${fileName}: no data rows (expected lines of x1,x2,label)`);
  if (rows.length < 4) throw new CsvError(`${fileName}: only ${rows.length} rows; the playground needs at least 4`);
  if (rows.length > MAX_CSV_ROWS)
    throw new CsvError(`${fileName}: ${rows.length} rows; the playground takes at most ${MAX_CSV_ROWS}`);
  const labels = rows.map((r) => r[2]);
  const integer = labels.every((v) => Number.isInteger(v));
  const classes = integer ? Math.max(...labels) + 1 : 0;
  if (integer && labels.some((v) => v < 0))
    throw new CsvError(`${fileName}: class labels must be 0 or more, found ${Math.min(...labels)}`);
  if (integer && classes > MAX_CLASSES)
    throw new CsvError(
      `${fileName}: labels go up to ${classes - 1}; the playground has at most ${MAX_CLASSES} classes (labels 0-5). Use non-integer labels for a regression target`,
    );
  if (integer && classes < 2)
    throw new CsvError(`${fileName}: every label is 0; a classification needs 2 classes or more`);
  const scale: [number, number] = [0, 1].map((c) => Math.max(...rows.map((r) => Math.abs(r[c]))) || 1) as [
    number,
    number,
  ];
  const x = new Float32Array(rows.length * 2);
  const y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    x[2 * i] = r[0] / scale[0];
    x[2 * i + 1] = r[1] / scale[1];
    y[i] = r[2];
  });
  return { x, y, classes, scale };
}

function firstContentLine(lines: string[]): number {
  return lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

/** The data as CSV: x1,x2,label,split (full float32 precision, so it reads back to the same numbers). */
export function toCsv(data: DataSplit): string {
  const out = ['x1,x2,label,split'];
  for (const [part, p] of [
    ['train', data.train],
    ['test', data.test],
  ] as const) {
    for (let i = 0; i < p.y.length; i++) out.push(`${p.x[2 * i]},${p.x[2 * i + 1]},${p.y[i]},${part}`);
  }
  return `${out.join('\n')}\n`;
}

/** FNV-1a of a text: names an uploaded file in a link without carrying it. */
export function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
