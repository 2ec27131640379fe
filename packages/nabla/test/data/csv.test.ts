import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv, parseCsvRecords } from '../../src/index.js';
import { readCsvFile } from '../../src/node.js';

test('parseCsvRecords handles quotes, escaped quotes, embedded newlines, CRLF and blank lines', () => {
  const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\nlines",\n"",,3';
  const records = parseCsvRecords(text);
  assert.deepEqual(records, [
    { fields: ['a', 'b', 'c'], line: 1 },
    { fields: ['1', 'x, y', 'say "hi"'], line: 2 },
    { fields: ['2', 'two\nlines', ''], line: 4 },
    { fields: ['', '', '3'], line: 6 },
  ]);
  assert.deepEqual(
    parseCsvRecords('x;y\n1;2', ';').map((r) => r.fields),
    [
      ['x', 'y'],
      ['1', '2'],
    ],
  );
  assert.deepEqual(
    parseCsvRecords('""\n').map((r) => r.fields),
    [['']],
  );
  // Old Mac line ends, a final quoted field without a newline, a stray quote inside an unquoted field.
  assert.deepEqual(parseCsvRecords('a,b\r1,"2"'), [
    { fields: ['a', 'b'], line: 1 },
    { fields: ['1', '2'], line: 2 },
  ]);
  assert.deepEqual(
    parseCsvRecords('5 o"clock,x').map((r) => r.fields),
    [['5 o"clock', 'x']],
  );
  assert.deepEqual(
    parseCsvRecords('"a\r\nb",c\nd,e').map((r) => r.line),
    [1, 3],
  );
  assert.throws(
    () => parseCsvRecords('a', '"'),
    /delimiter must be one character other than a quote or newline, got "\\""/,
  );
});

test('parseCsvRecords reports unclosed quotes and junk after a quote with the line', () => {
  assert.throws(() => parseCsvRecords('a\n"open\n', ',', 'f.csv'), /f\.csv: line 2: quoted field is never closed/);
  assert.throws(() => parseCsvRecords('a,b\n"x"y,1\n'), /line 2: unexpected "y" after a closing quote/);
});

test('parseCsv reads numeric features and a categorical target with sorted class names', () => {
  const csv = 'x1,x2,label\n0.5,1,dog\n2,-3e-1,cat\n1,1,dog\n';
  const d = parseCsv(csv, { target: 'label' });
  assert.deepEqual([...d.features.shape], [3, 2]);
  assert.equal(d.features.dtype, 'float32');
  assert.deepEqual(Array.from(d.features.toTypedArray()), [0.5, 1, 2, Math.fround(-0.3), 1, 1]);
  assert.deepEqual(d.classNames, ['cat', 'dog']);
  assert.equal(d.target?.dtype, 'int32');
  assert.deepEqual(d.target?.toArray(), [1, 0, 1]);
  assert.deepEqual(d.featureNames, ['x1', 'x2']);
  assert.equal(d.targetName, 'label');
  // A fixed class order keeps train and test files consistent.
  assert.deepEqual(parseCsv(csv, { classNames: ['dog', 'cat'] }).target?.toArray(), [0, 1, 0]);
});

test('parseCsv reads a numeric target (the last column by default) for regression', () => {
  const d = parseCsv('a,b,y\n1,2,0.25\n3,4,-1\n', { dtype: 'float64' });
  assert.equal(d.target?.dtype, 'float64');
  assert.deepEqual(d.target?.toArray(), [0.25, -1]);
  assert.equal(d.classNames, null);
  // Integer labels can be forced categorical; numeric class names sort by value.
  const c = parseCsv('a,y\n1,10\n2,9\n3,10\n', { targetType: 'categorical' });
  assert.deepEqual(c.classNames, ['9', '10']);
  assert.deepEqual(c.target?.toArray(), [1, 0, 1]);
});

test('parseCsv picks, drops and reorders columns; target null reads features only', () => {
  const csv = 'id,a,b,c,y\n7,1,2,3,0\n8,4,5,6,1\n';
  assert.deepEqual(parseCsv(csv, { drop: ['id'] }).featureNames, ['a', 'b', 'c']);
  const picked = parseCsv(csv, { columns: ['c', 1], target: 'y' });
  assert.deepEqual(picked.featureNames, ['c', 'a']);
  assert.deepEqual(picked.features.toArray(), [
    [3, 1],
    [6, 4],
  ]);
  const only = parseCsv(csv, { target: null });
  assert.equal(only.target, null);
  assert.deepEqual([...only.features.shape], [2, 5]);
  const noHeader = parseCsv('1,2,a\n3,4,b\n', { header: false });
  assert.deepEqual(noHeader.featureNames, ['0', '1']);
  assert.deepEqual(noHeader.classNames, ['a', 'b']);
});

test('parseCsv errors name the source, line, column and value', () => {
  const opts = { source: 'train.csv' };
  assert.throws(
    () => parseCsv('a,b,y\n1,2,0\n1,oops,1\n', opts),
    /train\.csv: line 3, column 2 \("b"\): found "oops", which is not a number/,
  );
  assert.throws(
    () => parseCsv('a,b,y\n1,,0\n', opts),
    /line 2, column 2 \("b"\): found an empty value \(missing values are not supported\)/,
  );
  assert.throws(() => parseCsv('a,b,y\n1,2,0\n1,2\n', opts), /train\.csv: line 3 has 2 fields but the header has 3/);
  assert.throws(() => parseCsv('a,b,y\n1,2,0\n', { target: 'z' }), /no column "z"; the columns are "a", "b", "y"/);
  assert.throws(
    () => parseCsv('a,y\n1,p\n2,q\n', { classNames: ['p'] }),
    /line 3, column 2 \("y"\): class "q" is not one of "p"/,
  );
  assert.throws(() => parseCsv('a,y\n1,2\n', { targetType: 'numeric', drop: [5] }), /no column 5/);
  assert.throws(
    () => parseCsv('a,y\n1,x\n', { targetType: 'numeric' }),
    /line 2, column 2 \("y"\): found "x", which is not a number/,
  );
  assert.throws(() => parseCsv('\n\n'), /csv: no records found/);
});

test('readCsvFile reads the bundled Iris data set', async () => {
  const iris = await readCsvFile(new URL('../../../app/data/iris.csv', import.meta.url).pathname, {
    target: 'species',
  });
  assert.deepEqual([...iris.features.shape], [150, 4]);
  assert.deepEqual(iris.classNames, ['setosa', 'versicolor', 'virginica']);
  const counts = [0, 0, 0];
  for (const k of iris.target!.toTypedArray()) counts[k]++;
  assert.deepEqual(counts, [50, 50, 50]);
  // Fisher's first flower.
  assert.deepEqual(Array.from(iris.features.select(0, 0).toTypedArray()), [5.1, 3.5, 1.4, 0.2].map(Math.fround));
  await assert.rejects(readCsvFile('/nonexistent/x.csv'), /readCsvFile: cannot read \/nonexistent\/x\.csv/);
});

test('readCsvFile reads the bundled 8x8 digits', async () => {
  const digits = await readCsvFile(new URL('../../../app/data/digits.csv', import.meta.url).pathname, {
    target: 'digit',
    targetType: 'categorical',
  });
  assert.deepEqual([...digits.features.shape], [1797, 64]);
  assert.deepEqual(digits.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(digits.features.max().item(), 16);
});

test('NaN, infinities and values beyond float32 are errors naming the line and column, unless allowNonFinite', () => {
  const table = (v: string) => `a,b,label\n1,2,x\n3,${v},y\n`;
  for (const v of ['NaN', 'Infinity', '-Infinity', '1e999'])
    assert.throws(
      () => parseCsv(table(v), { source: 'data.csv' }),
      new RegExp(`data\\.csv: line 3, column 2 \\("b"\\): found "${v}", which is not a finite number`),
    );
  assert.throws(
    () => parseCsv(table('1e39')),
    /csv: line 3, column 2 \("b"\): 1e39 is beyond float32's range \(±3\.4e38\) and would become ±Infinity/,
  );
  assert.equal((parseCsv(table('1e39'), { dtype: 'float64' }).features.toArray() as number[][])[1][1], 1e39);
  // A numeric target is checked the same way.
  assert.throws(() => parseCsv('a,y\n1,2\n2,NaN\n'), /line 3, column 2 \("y"\): found "NaN"/);
  const kept = parseCsv(table('NaN'), { allowNonFinite: true }).features.toArray() as number[][];
  assert.ok(Number.isNaN(kept[1][1]));
  assert.equal((parseCsv(table('-1e39'), { allowNonFinite: true }).features.toArray() as number[][])[1][1], -Infinity);
});
