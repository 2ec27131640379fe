import { checkDType } from '../tensor/dtype.js';
import { DTypeError, FormatError } from '../tensor/errors.js';
import { checkOptions, type OptionKeys } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { parseCsvRecords, type CsvRecord } from './csv-parse.js';

/** A column, by header name or 0-based position. */
export type ColumnRef = string | number;

export interface CsvOptions {
  /** The target column (default: the last one); `null` reads features only. */
  target?: ColumnRef | null;
  /** Feature columns to keep, in this order (default: every column except the target and `drop`). */
  columns?: readonly ColumnRef[];
  /** Columns to leave out of the features. */
  drop?: readonly ColumnRef[];
  /** 'numeric' (regression, float), 'categorical' (class indices, int32), or 'auto' (default): numeric when every value is a number. */
  targetType?: 'auto' | 'numeric' | 'categorical';
  /** Fixed class order for a categorical target (so train and test files agree); default: sorted. */
  classNames?: readonly string[];
  /** Whether the first record names the columns (default true); without it columns are named '0', '1', … */
  header?: boolean;
  delimiter?: string;
  /** Float dtype of the features and of a numeric target (default float32). */
  dtype?: 'float32' | 'float64';
  /** Name used in error messages, e.g. the file name (default 'csv'). */
  source?: string;
  /**
   * Accept `NaN`, `Infinity` and values beyond the dtype's range (default false: such a value is
   * an error naming its line and column, since one NaN turns a whole training run into NaN).
   */
  allowNonFinite?: boolean;
}

/** Every key of `CsvOptions` (readCsvFile checks them too). */
export const CSV_KEYS: OptionKeys<CsvOptions> = {
  target: true,
  columns: true,
  drop: true,
  targetType: true,
  classNames: true,
  header: true,
  delimiter: true,
  dtype: true,
  source: true,
  allowNonFinite: true,
};

/** Tensors read from a CSV table. */
export interface CsvData {
  /** `[rows, featureNames.length]` floats. */
  features: Tensor;
  /** `[rows]`: floats for a numeric target, int32 class indices for a categorical one; null without a target. */
  target: Tensor | null;
  featureNames: string[];
  targetName: string | null;
  /** Class names by index for a categorical target, else null. */
  classNames: string[] | null;
}

function resolveColumn(ref: ColumnRef, names: readonly string[], source: string): number {
  const index = typeof ref === 'number' ? ref : names.indexOf(ref);
  if (typeof ref === 'number' ? !Number.isInteger(ref) || ref < 0 || ref >= names.length : index < 0) {
    throw new FormatError(
      `${source}: no column ${JSON.stringify(ref)}; the columns are ${names.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
  return index;
}

function parseNumber(
  text: string,
  record: CsvRecord,
  column: number,
  names: readonly string[],
  options: CsvOptions,
  source: string,
): number {
  const s = text.trim();
  const v = Number(s);
  const where = () => `${source}: line ${record.line}, column ${column + 1} (${JSON.stringify(names[column])})`;
  if (s === '' || (Number.isNaN(v) && s !== 'NaN')) {
    const what =
      s === '' ? 'an empty value (missing values are not supported)' : `${JSON.stringify(text)}, which is not a number`;
    throw new FormatError(`${where()}: found ${what}`);
  }
  if (!options.allowNonFinite) {
    if (!Number.isFinite(v))
      throw new FormatError(`${where()}: found ${JSON.stringify(s)}, which is not a finite number`);
    if (options.dtype !== 'float64' && !Number.isFinite(Math.fround(v)))
      throw new FormatError(`${where()}: ${s} is beyond float32's range (±3.4e38) and would become ±Infinity`);
  }
  return v;
}

function isNumeric(s: string): boolean {
  const t = s.trim();
  return t !== '' && (!Number.isNaN(Number(t)) || t === 'NaN');
}

/** Class names in a stable order: numerically if they all look like numbers, else by string. */
function sortedClasses(values: Iterable<string>): string[] {
  const unique = [...new Set(values)];
  return unique.every(isNumeric) ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort();
}

function readTarget(rows: CsvRecord[], column: number, names: readonly string[], options: CsvOptions, source: string) {
  const raw = rows.map((r) => r.fields[column].trim());
  const type = options.targetType ?? (options.classNames ? 'categorical' : 'auto');
  if (type === 'numeric' || (type === 'auto' && raw.every(isNumeric))) {
    const data = options.dtype === 'float64' ? new Float64Array(rows.length) : new Float32Array(rows.length);
    rows.forEach((r, i) => (data[i] = parseNumber(r.fields[column], r, column, names, options, source)));
    return { target: Tensor.fromData(data, [rows.length]), classNames: null };
  }
  const classNames = options.classNames ? [...options.classNames] : sortedClasses(raw);
  const lookup = new Map(classNames.map((c, i) => [c, i]));
  const data = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    const k = lookup.get(raw[i]);
    if (k === undefined) {
      throw new FormatError(
        `${source}: line ${r.line}, column ${column + 1} (${JSON.stringify(names[column])}): class ${JSON.stringify(raw[i])} is not one of ${classNames.map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
    data[i] = k;
  });
  return { target: Tensor.fromData(data, [rows.length]), classNames };
}

function checkRagged(rows: readonly CsvRecord[], width: number, first: string, source: string): void {
  for (const r of rows) {
    if (r.fields.length !== width) {
      throw new FormatError(`${source}: line ${r.line} has ${r.fields.length} fields but the ${first} has ${width}`);
    }
  }
}

/**
 * Reads CSV text (browser-safe) into a feature matrix and an optional target: a numeric target
 * for regression, or a categorical one (strings → int32 class indices, names in `classNames`).
 * Errors name the line and column of the offending value, including NaN, ±Infinity and values
 * that overflow the dtype (unless `allowNonFinite`).
 * @example
 * const { features, target, classNames } = parseCsv('x1,x2,label\n0.5,1,cat\n2,0.1,dog\n', { target: 'label' });
 * // features: [2, 2] float32; target: int32 [0, 1]; classNames: ['cat', 'dog']
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  checkOptions('parseCsv', options, CSV_KEYS);
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'float64') {
    const dtype = checkDType(options.dtype, 'parseCsv'); // an unknown name gets the dtype error and its hint
    throw new DTypeError(`parseCsv: dtype must be 'float32' or 'float64', got '${dtype}'`);
  }
  const source = options.source ?? 'csv';
  const records = parseCsvRecords(text, options.delimiter ?? ',', source);
  if (records.length === 0) throw new FormatError(`${source}: no records found`);
  const header = options.header ?? true;
  const names = header ? records[0].fields.map((f) => f.trim()) : records[0].fields.map((_, i) => String(i));
  const rows = header ? records.slice(1) : records;
  checkRagged(rows, names.length, header ? 'header' : 'first record', source);
  const targetRef = options.target === undefined ? names.length - 1 : options.target;
  const targetCol = targetRef === null ? -1 : resolveColumn(targetRef, names, source);
  const dropped = new Set((options.drop ?? []).map((c) => resolveColumn(c, names, source)));
  const featureCols = options.columns
    ? options.columns.map((c) => resolveColumn(c, names, source))
    : names.map((_, i) => i).filter((i) => i !== targetCol && !dropped.has(i));
  const data =
    options.dtype === 'float64'
      ? new Float64Array(rows.length * featureCols.length)
      : new Float32Array(rows.length * featureCols.length);
  rows.forEach((r, i) => {
    featureCols.forEach(
      (c, j) => (data[i * featureCols.length + j] = parseNumber(r.fields[c], r, c, names, options, source)),
    );
  });
  const { target, classNames } =
    targetCol < 0 ? { target: null, classNames: null } : readTarget(rows, targetCol, names, options, source);
  return {
    features: Tensor.fromData(data, [rows.length, featureCols.length]),
    target,
    featureNames: featureCols.map((c) => names[c]),
    targetName: targetCol < 0 ? null : names[targetCol],
    classNames,
  };
}
