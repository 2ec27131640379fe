/** The playground's data sets and CSV reader, and its link settings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate, parseCsv, split, toCsv } from '../../src/playground/data.js';
import { DEFAULTS, fromQuery, toQuery } from '../../src/playground/settings.js';

describe('playground data', () => {
  it('the same seed draws the same points; another seed others', () => {
    const o = { name: 'spiral', count: 60, noise: 0.1, classes: 3, seed: 5 } as const;
    assert.deepEqual(generate(o), generate(o));
    assert.notDeepEqual(generate(o).x, generate({ ...o, seed: 6 }).x);
    assert.deepEqual(new Set(generate(o).y), new Set([0, 1, 2]));
  });
  it('splits by the train share; clicked points join train', () => {
    const s = split(generate({ name: 'xor', count: 100, noise: 0, classes: 2, seed: 0 }), 0.7, 0, {
      x: Float32Array.from([0.5, 0.5]),
      y: Float32Array.from([1]),
      classes: 2,
    });
    assert.equal(s.train.y.length, 71);
    assert.equal(s.test.y.length, 30);
    assert.equal(s.train.y[70], 1);
  });
  it('reads a CSV with or without a header, and its own export', () => {
    const p = parseCsv('x1,x2,label\n2,-4,0\n1,1,1\n-1,2,2\n0,0,1\n');
    assert.equal(p.classes, 3);
    assert.deepEqual(Array.from(p.x), [1, -1, 0.5, 0.25, -0.5, 0.5, 0, 0]);
    const data = split(generate({ name: 'circle', count: 40, noise: 0.1, classes: 2, seed: 1 }), 0.5, 1);
    const back = parseCsv(toCsv(data));
    assert.equal(back.y.length, 40);
    assert.equal(parseCsv('0.1,0.2,0.5\n0.3,0.4,1.5\n0,0,0.25\n1,1,2.5').classes, 0, 'non-integer labels: regression');
  });
  it('says what is wrong with a bad CSV, with the line', () => {
    assert.throws(() => parseCsv('1,2,0\n3,4\n', 'a.csv'), /a\.csv, line 2: expected 3 columns/);
    assert.throws(() => parseCsv('1,2,0\n3,x,1\n', 'a.csv'), /a\.csv, line 2, column 2: "x" is not a number/);
    assert.throws(() => parseCsv('', 'a.csv'), /no data rows/);
    assert.throws(() => parseCsv('1,2,0\n1,2,9\n1,1,1\n2,2,2\n', 'a.csv'), /at most 6 classes/);
    assert.throws(() => parseCsv('1,2,0\n1,2,0\n1,1,0\n2,2,0\n', 'a.csv'), /needs 2 classes/);
    assert.throws(() => parseCsv(Array(5001).fill('1,2,1').join('\n'), 'a.csv'), /at most 5000/);
  });
});

describe('playground link settings', () => {
  it('round-trip through the query string; defaults give an empty one', () => {
    assert.equal(toQuery(DEFAULTS), '');
    const s = fromQuery('data=spiral&classes=3&layers=16-16&act=relu&features=x1,x2,sinx1&steps=120&added=0.5,-0.25,1');
    assert.deepEqual(s.layers, [16, 16]);
    assert.deepEqual(s.added, [[0.5, -0.25, 1]]);
    assert.deepEqual(fromQuery(toQuery(s)), s);
  });
  it('bad links name the parameter', () => {
    assert.throws(() => fromQuery('act=swish'), /act='swish': expected one of relu, tanh/);
    assert.throws(() => fromQuery('layers=8-100'), /layers='100'/);
    assert.throws(() => fromQuery('colour=red'), /'colour' is not a playground setting/);
    assert.throws(() => fromQuery('layers=1-1-1-1-1-1-1-1-1'), /at most 8 hidden layers/);
  });
});
