import { FormatError, OptionError } from '../tensor/errors.js';
/**
 * A small RFC 4180 CSV reader: quoted fields (with `""` escapes, delimiters and newlines inside),
 * LF / CRLF / CR line ends, a byte-order mark. nabla keeps its runtime free of dependencies and
 * needs the line number of every record for its error messages, which this gives directly.
 */

/** One record and the 1-based line of the text where it starts. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Reads the quoted field starting at `text[start] === '"'`; returns its value and the index after it. */
function readQuoted(
  text: string,
  start: number,
  line: number,
  source: string,
): { value: string; end: number; newlines: number } {
  let value = '';
  let newlines = 0;
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new FormatError(`${source}: line ${line}: quoted field is never closed`);
    const c = text[i];
    if (c === '"') {
      if (text[i + 1] !== '"') return { value, end: i + 1, newlines };
      value += '"';
      i += 2;
      continue;
    }
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) newlines++;
    value += c;
    i++;
  }
}

function checkDelimiter(delimiter: string, source: string): void {
  if (delimiter.length !== 1 || '"\r\n'.includes(delimiter)) {
    throw new OptionError(
      `${source}: delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`,
    );
  }
}

/** End of the unquoted run starting at `start`: the next delimiter or line end (a stray quote stays literal). */
function unquotedEnd(text: string, start: number, delimiter: string): number {
  let j = start + 1;
  while (j < text.length && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
  return j;
}

/**
 * Splits CSV text into records. Blank lines are skipped; fields are neither trimmed nor converted.
 * @example
 * parseCsvRecords('a,b\n1,"x, y"\n'); // [{ fields: ['a', 'b'], line: 1 }, { fields: ['1', 'x, y'], line: 2 }]
 */
export function parseCsvRecords(text: string, delimiter = ',', source = 'csv'): CsvRecord[] {
  checkDelimiter(delimiter, source);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false; // whether any field of this record was quoted (so it is not a blank line)
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i <= text.length) {
    const c = i < text.length ? text[i] : '\n'; // a virtual final newline flushes the last record
    if (c === '"' && field === '') {
      const q = readQuoted(text, i, line, source);
      field = q.value;
      quoted = true;
      line += q.newlines;
      i = q.end;
      if (i < text.length && !`${delimiter}\r\n`.includes(text[i])) {
        throw new FormatError(`${source}: line ${line}: unexpected ${JSON.stringify(text[i])} after a closing quote`);
      }
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      fields.push(field);
      if (quoted || fields.length > 1 || fields[0] !== '') records.push({ fields, line: recordLine });
      fields = [];
      field = '';
      quoted = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      recordLine = ++line;
    } else {
      const end = unquotedEnd(text, i, delimiter);
      field += text.slice(i, end);
      i = end;
    }
  }
  return records;
}
