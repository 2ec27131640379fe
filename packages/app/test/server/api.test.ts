import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { Generator, manualSeed, nn } from 'nabla';
import { saveModel } from 'nabla/node';
import { openModel, predictBatch, readInputs } from '../../src/cli/use-commands.js';
import { serveModel } from '../../src/server/app.js';

// Numeric names on purpose: JS orders integer-like object keys, which must not reorder the ranking.
const CLASSES = ['7', '3', '5'];
let dir: string;
let base: string;
let close: () => Promise<void>;

/** A grey PNG (8-bit) whose pixels are `fill(i)`. */
function png(width: number, height: number, fill: (i: number) => number = () => 128): Buffer {
  const img = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) img.data.set([fill(i), fill(i), fill(i), 255], i * 4);
  return PNG.sync.write(img);
}

/** A uniform 16-bit RGBA PNG (small on disk, `width * height * 8` bytes decoded). */
function png16(width: number, height: number): Buffer {
  const img = new PNG({ width, height });
  img.data = Buffer.alloc(width * height * 8, 0x80);
  return PNG.sync.write(img, { bitDepth: 16, colorType: 6, inputColorType: 6, inputHasAlpha: true, filterType: 0 });
}

async function postJson(value: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function upload(
  bytes: Uint8Array | Buffer,
  type = 'image/png',
  name = 'x.png',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)], { type }), name);
  const res = await fetch(`${base}/api/predict`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nabla-serve-'));
  manualSeed(0);
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(16, 3));
  saveModel(dir, model, {
    inputShape: [1, 4, 4],
    classes: CLASSES,
    preprocessing: { kind: 'image', channels: 1, height: 4, width: 4 },
  });
  const server = await serveModel(dir, {
    port: 0,
    maxBody: 64 * 1024,
    maxPixels: 1_000_000,
    workers: 1,
    logger: false,
  });
  base = server.url;
  close = () => server.app.close();
});

after(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /api/model describes the model', async () => {
  const body = (await (await fetch(`${base}/api/model`)).json()) as Record<string, unknown>;
  assert.deepEqual(body.classes, CLASSES);
  assert.equal(body.parameters, 16 * 3 + 3);
  assert.deepEqual(body.inputShape, [1, 4, 4]);
});

test('POST /api/predict returns sorted probabilities and the resized input the model saw', async () => {
  const { status, body } = await upload(png(8, 8, (i) => (i % 8 < 4 ? 0 : 255)));
  assert.equal(status, 200);
  const preds = body.predictions as { class: string; probability: number }[];
  assert.equal(preds.length, 3);
  assert.ok(Math.abs(preds.reduce((s, p) => s + p.probability, 0) - 1) < 1e-5);
  assert.ok(preds[0].probability >= preds[1].probability && preds[1].probability >= preds[2].probability);
  assert.equal(body.class, preds[0].class);
  const input = body.input as { width: number; height: number; pixels: number[] };
  assert.equal(input.width, 4);
  assert.equal(input.pixels.length, 16);
  assert.deepEqual(
    input.pixels.slice(0, 4),
    [0, 0, 1, 1],
    'left half dark, right half bright after resizing 8x8 to 4x4',
  );
});

test('bad uploads get 4xx with a clear message and the server keeps serving', async () => {
  const good = png(4, 4);
  const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp][] = [
    ['empty', upload(new Uint8Array(0)), 400, /empty/],
    ['huge', upload(new Uint8Array(200 * 1024).fill(7)), 413, /larger than the limit of 65536 bytes/],
    ['not an image', upload(Buffer.from('hello, I am text'), 'text/plain', 'a.txt'), 415, /not a PNG or JPEG/],
    ['truncated PNG', upload(good.subarray(0, good.length - 20)), 422, /truncated/],
    ['PNG header only', upload(good.subarray(0, 20)), 400, /truncated or corrupt/],
    ['decompression bomb', upload(pngHeader(20000, 20000)), 413, /20000x20000 pixels/],
    ['16-bit PNG counts twice', upload(png16(800, 700)), 413, /800x700 16-bit pixels, counted twice \(1120000\)/],
    [
      // No frame header found: the decoder (the one `nabla predict` uses) says what is wrong.
      'truncated JPEG',
      upload(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]), 'image/jpeg', 'x.jpg'),
      422,
      /corrupt or truncated JPEG file/,
    ],
    ['JSON to an image model', postJson({ rows: [[1]] }), 415, /this model takes images/],
  ];
  for (const [what, pending, status, message] of cases) {
    const r = await pending;
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.match(String(r.body.error), message, what);
  }
  const noFile = await fetch(`${base}/api/predict`, { method: 'POST', body: new FormData() });
  assert.ok(noFile.status >= 400 && noFile.status < 500, `form without a file: ${noFile.status}`);
  for (const body of [
    'garbage',
    '--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nabc',
  ]) {
    const cut = await fetch(`${base}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body,
    });
    assert.equal(cut.status, 400, 'malformed multipart');
    assert.match(((await cut.json()) as { error: string }).error, /malformed multipart/);
  }
  const missing = await fetch(`${base}/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: 'no route GET /nope' });
  const wrongType = await fetch(`${base}/api/predict`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  assert.equal(wrongType.status, 415);
  const raw = await fetch(`${base}/api/predict`, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array(good),
  });
  assert.equal(raw.status, 200, 'a raw image/png body still works after the bad requests');
  assert.equal((await upload(good)).status, 200);
});

test('random and mutated images never get a 5xx (seeded, 60 uploads)', async () => {
  const g = new Generator(7);
  const good = png(4, 4, (i) => i * 16);
  const jpegHead = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0, 4, 0, 4, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  for (let k = 0; k < 60; k++) {
    const base = [good, jpegHead, Buffer.alloc(64)][k % 3];
    const bytes = Buffer.from(base);
    // Flip a few bytes past the signature, sometimes cut the file short.
    for (let f = 0; f < 1 + (k % 5); f++) bytes[8 + g.integer(0, bytes.length - 8)] = g.integer(0, 256);
    const cut = k % 4 === 0 ? bytes.subarray(0, g.integer(1, bytes.length)) : bytes;
    const r = await upload(cut);
    assert.ok(r.status < 500, `upload ${k} got ${r.status}: ${JSON.stringify(r.body)}`);
  }
  assert.equal((await upload(good)).status, 200);
});

/** A PNG signature plus an IHDR claiming `w`x`h` (enough for the size check; the rest is missing). */
function pngHeader(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}

test('GET /api/model names the model without the server path; GET /healthz answers', async () => {
  const text = await (await fetch(`${base}/api/model`)).text();
  assert.equal((JSON.parse(text) as { name: string }).name, basename(dir));
  assert.ok(!text.includes(dir), `the server path leaked: ${text}`);
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  const h = (await health.json()) as Record<string, unknown> & { eventLoopDelayMs: { p99: number; max: number } };
  assert.deepEqual(
    { status: h.status, workers: h.workers, inflight: h.inflight, queued: h.queued, maxInflight: h.maxInflight },
    { status: 'ok', workers: 1, inflight: 0, queued: 0, maxInflight: 16 },
  );
  assert.ok(h.eventLoopDelayMs.max >= h.eventLoopDelayMs.p99 && h.eventLoopDelayMs.p99 >= 0);
});

test('a JPEG with 0xFF fill bytes before a marker: the server decodes it as nabla predict does', async () => {
  const pixels = Buffer.alloc(8 * 8 * 4);
  for (let i = 0; i < 64; i++) pixels.fill(i % 8 < 4 ? 30 : 220, i * 4, i * 4 + 4);
  const plain = Buffer.from(jpeg.encode({ data: pixels, width: 8, height: 8 }, 95).data);
  // After SOI and APP0 (whose length follows its marker), three fill bytes before the next marker.
  const at = 4 + plain.readUInt16BE(4);
  assert.equal(plain[at], 0xff);
  const filled = Buffer.concat([plain.subarray(0, at), Buffer.from([0xff, 0xff, 0xff]), plain.subarray(at)]);
  const file = join(dir, 'filled.jpg');
  writeFileSync(file, filled);
  const m = openModel(dir);
  const { x, names } = readInputs(file, m.pre);
  const [local] = predictBatch(m, x, names);
  const { status, body } = await upload(filled, 'image/jpeg', 'filled.jpg');
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.class, local.class);
  assert.ok(Math.abs((body.probability as number) - local.probability) < 1e-6);
});

test('a form with too many fields before the file gets 413 naming the reason, not the byte limit', async () => {
  const form = new FormData();
  for (let i = 0; i < 6; i++) form.append(`field${i}`, 'x');
  form.append('image', new Blob([new Uint8Array(png(4, 4))], { type: 'image/png' }), 'x.png');
  const res = await fetch(`${base}/api/predict`, { method: 'POST', body: form });
  assert.equal(res.status, 413);
  assert.match(((await res.json()) as { error: string }).error, /too many parts.*'image'.*at most 4 other fields/);
});

test('requests beyond --max-inflight get 429 with Retry-After; the next one after is served', async () => {
  const busy = await serveModel(dir, { port: 0, maxInflight: 1, workers: 1, logger: false });
  try {
    // A 1500x1500 PNG takes the worker a while to decode: the others arrive while it is in flight.
    const big = new Uint8Array(png(1500, 1500, (i) => i % 251));
    const send = () =>
      fetch(`${busy.url}/api/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: big });
    const answers = await Promise.all([send(), send(), send(), send()]);
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 429, 429, 429]);
    const refused = answers.find((r) => r.status === 429) as Response;
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(((await refused.json()) as { error: string }).error, /busy.*--max-inflight 1.*retry after 1 s/);
    assert.equal((await send()).status, 200);
  } finally {
    await busy.app.close();
  }
});
