import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { manualSeed, nn } from 'nabla';
import { saveModel } from 'nabla/node';
import { jsonErrors, serveModel } from '../../src/server/app.js';

// `nabla serve` for a model of table rows: every client mistake is a 4xx naming it, never a 5xx.
const COLUMNS = ['sepal', 'petal', 'stem'];
let dir: string;
let base: string;
let close: () => Promise<void>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nabla-serve-rows-'));
  manualSeed(0);
  saveModel(dir, new nn.Sequential(new nn.Linear(3, 8), new nn.ReLU(), new nn.Linear(8, 2)), {
    inputShape: [3],
    classes: ['no', 'yes'],
    preprocessing: {
      kind: 'standardize',
      columns: COLUMNS,
      target: 'label',
      classes: ['no', 'yes'],
      mean: [1, 2, 3],
      std: [1e-30, 1, 1],
    },
  });
  const server = await serveModel(dir, { port: 0, maxBody: 4096, maxRows: 50, workers: 1, logger: false });
  base = server.url;
  close = () => server.app.close();
});

after(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(body: string, type = 'application/json') {
  const res = await fetch(`${base}/api/predict`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, error: ((await res.json()) as { error?: string }).error, res };
}

test('valid rows get one prediction each', async () => {
  const res = await fetch(`${base}/api/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      rows: [
        [1, 2, 3],
        [0.5, -1, 4],
      ],
    }),
  });
  assert.equal(res.status, 200);
  const { predictions } = (await res.json()) as { predictions: { input: string; probability: number }[] };
  assert.deepEqual(
    predictions.map((p) => p.input),
    ['row 0', 'row 1'],
  );
  for (const p of predictions) assert.ok(p.probability >= 0.5 && p.probability <= 1);
});

test('each bad body gets a 4xx that names the problem (never a 5xx)', async () => {
  const cases: [string, string, number, RegExp][] = [
    ['empty rows', '{"rows": []}', 400, /"rows" is empty/],
    ['1e999 (Infinity once parsed)', '{"rows": [[1, 2, 3], [1, 1e999, 3]]}', 400, /row 1, column petal: Infinity/],
    ['beyond float32', '{"rows": [[-1e39, 2, 3]]}', 400, /row 0, column sepal: -1e\+39 is not a finite float32/],
    ['a string', '{"rows": [[1, "2", 3]]}', 400, /row 0, column petal: expected a number, got "2"/],
    ['short row', '{"rows": [[1, 2]]}', 400, /row 0: expected 3 numbers \(sepal, petal, stem\), got 2 values/],
    ['not JSON', '{"rows": [[1, 2, 3]', 400, /not valid JSON/],
    ['no rows key', '{"data": [[1, 2, 3]]}', 400, /takes JSON \{"rows"/],
    ['null', 'null', 400, /takes JSON \{"rows"/],
    [
      'too many rows',
      JSON.stringify({ rows: Array.from({ length: 51 }, () => [1, 2, 3]) }),
      413,
      /51 rows.*limit is 50 rows \(--max-rows\)/,
    ],
    [
      'too large',
      JSON.stringify({ rows: Array.from({ length: 40 }, () => [1.23456789, 2.3456789, 3.456789]) }).padEnd(5000),
      413,
      /larger than the limit of 4096 bytes \(--max-body\)/,
    ],
    // std 1e-30 for sepal: a finite input far from the mean overflows inside the model.
    ['output not finite', '{"rows": [[3e38, 2, 3]]}', 422, /output for row 0 is not finite/],
  ];
  for (const [what, body, status, message] of cases) {
    const r = await post(body);
    assert.equal(r.status, status, `${what}: ${r.error}`);
    assert.match(String(r.error), message, what);
  }
  const image = await post('\x89PNG\r\n\x1a\n', 'image/png');
  assert.equal(image.status, 415);
  assert.match(String(image.error), /application\/json/);
  assert.equal((await post('{"rows": [[1, 2, 3]]}')).status, 200, 'still serving after the bad requests');
});

test('an unexpected error is a 500 logged with its cause; the client sees only the message', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'warn', stream } });
  jsonErrors(app);
  app.get('/boom', async () => {
    throw new TypeError('cannot read x of undefined', { cause: new Error('the root cause') });
  });
  const res = await app.inject({ method: 'GET', url: '/boom' });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { error: 'internal error: cannot read x of undefined' });
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]) as { level: number; msg: string; err: { stack: string; message: string } };
  assert.equal(entry.level, 50);
  assert.match(entry.msg, /GET \/boom answered 500: cannot read x of undefined/);
  assert.match(entry.err.stack, /TypeError: cannot read x of undefined/);
  assert.match(JSON.stringify(entry.err), /the root cause/);
  await app.close();
});

test('a model.json that does not fit its weights stops nabla serve at start, naming the field', async () => {
  const broken = mkdtempSync(join(tmpdir(), 'nabla-serve-broken-'));
  try {
    cpSync(dir, broken, { recursive: true });
    const file = join(broken, 'model.json');
    const info = JSON.parse(readFileSync(file, 'utf8')) as { classes: string[] };
    info.classes = ['only one'];
    writeFileSync(file, JSON.stringify(info));
    await assert.rejects(serveModel(broken, { port: 0, workers: 1, logger: false }), /classes/);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});
