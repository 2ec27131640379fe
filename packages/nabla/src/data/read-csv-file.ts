import { FormatError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { readFile } from 'node:fs/promises';
import { CSV_KEYS, parseCsv, type CsvData, type CsvOptions } from './csv.js';

/**
 * Reads a CSV file into tensors (Node only; exported from `nabla/node`). Same options as
 * `parseCsv`; error messages name the file.
 * @example
 * const { features, target, classNames } = await readCsvFile('data/iris.csv', { target: 'species' });
 */
export async function readCsvFile(path: string, options: CsvOptions = {}): Promise<CsvData> {
  checkOptions('readCsvFile', options, CSV_KEYS);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FormatError(`readCsvFile: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseCsv(text, { source: path, ...options });
}
