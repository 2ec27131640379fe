/**
 * The backprop playground in a real Chromium (Debian's, scripts/install-chromium.sh), served by
 * `nabla playground`: the numbers the page shows after each of the four steps are checked against
 * nabla's own values computed here in Node for the same seed and batch; run mode trains XOR and
 * the spirals; a link reloads to identical weights; a bad CSV gives a message. Screenshots go to
 * packages/app/test-results/. Skipped, with the reason, where Chromium is missing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { io, manualSeed, nn, optim, tensor } from 'nabla';
import { type Browser, chromium, type Page } from 'playwright-core';
import { generate, split, toCsv } from '../../src/playground/data.js';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');
const ARTIFACTS = join(ROOT, 'test-results');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (run scripts/install-chromium.sh)`;
if (missing) console.log(`# playground browser tests skipped: ${missing}`);

const work = mkdtempSync(join(tmpdir(), 'nabla-playground-'));
const children: ChildProcess[] = [];
let browser: Browser | null = null;
let url = '';
let plainUrl = '';

function nabla(args: string[]) {
  return spawnSync(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: work, encoding: 'utf8' });
}

/** Starts `nabla playground ARGS` and resolves with the URL it prints. */
function startPlayground(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'playground', '--port', '0', ...args], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /playground at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`nabla playground exited with ${code}:\n${out}`)));
  });
}

before(async () => {
  // The page as the sources are now (npm ci builds it too; this keeps the test honest after edits).
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-playground.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  url = await startPlayground([]);
  plainUrl = await startPlayground(['--no-isolation']);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

after(async () => {
  await browser?.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

async function open(query: string, width = 1400, base = url): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(`${base}${query}`);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  return page;
}

const value = async (page: Page, selector: string) => {
  const v = await page.getAttribute(selector, 'data-value');
  assert.ok(v !== null && v !== '', `${selector} shows no value`);
  return Number(v);
};

/** Float32 kernels (WASM in the page, JS here) agree to rounding, not bit for bit. */
function close(got: number, want: number, what: string, tol = 1e-5): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: page ${got}, nabla ${want}`);
}

async function download(page: Page, button: string): Promise<Buffer> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return readFileSync((await dl.path())!);
}

test('nabla playground --out writes the static page', () => {
  const r = nabla(['playground', '--out', 'site']);
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(join(work, 'site'));
  for (const f of ['index.html', 'playground.css', 'playground.js', 'worker-web.js']) assert.ok(files.includes(f), f);
  const again = nabla(['playground', '--out', 'site']);
  assert.equal(again.status, 0, again.stderr);
  const clash = nabla(['playground', '--out', join(ROOT, 'src')]);
  assert.notEqual(clash.status, 0);
  assert.match(clash.stderr, /not empty and does not hold a playground/);
});

test('the four steps show nabla’s numbers: activation, loss, edge gradient (chain rule, finite difference), update', {
  skip: missing ?? false,
  timeout: 120_000,
}, async () => {
  const query = '?data=circle&noise=0.2&points=200&layers=4&act=tanh&opt=sgd&lr=0.5&batch=8&seed=3&dataSeed=1';
  const page = await open(query);
  assert.match((await page.textContent('#runtime')) ?? '', /wasm kernels, \d+ threads? \(cross-origin isolated\)/);
  // The page's data is the data module's, as drawn in Node.
  const data = split(generate({ name: 'circle', count: 200, noise: 0.2, classes: 2, seed: 1 }), 0.5, 1);
  assert.equal((await download(page, '#btn-csv')).toString(), toCsv(data));

  await page.click('#btn-forward');
  const indices = ((await page.getAttribute('#batch-indices', 'data-value')) ?? '').split(',').map(Number);
  assert.equal(indices.length, 8);
  await page.fill('#sample-row', '2');
  await page.dispatchEvent('#sample-row', 'change');
  await page.hover('#u-0-1');
  const shownZ = await value(page, '#d-z');
  const shownA = await value(page, '#d-a');
  await page.click('#btn-loss');
  const shownLoss = await value(page, '#loss-value');
  await page.click('#btn-backward');
  // The pointer on the middle of the edge x₁ → layer 1 unit 2 selects it.
  const from = (await page.locator('#in-0').boundingBox())!;
  const to = (await page.locator('#u-0-1').boundingBox())!;
  await page.mouse.move((from.x + from.width + to.x) / 2, (from.y + from.height / 2 + to.y + to.height / 2) / 2);
  assert.equal(await page.getAttribute('#edge-selected', 'data-edge'), '0-1-0');
  const edge = {
    upstream: await value(page, '#d-upstream'),
    local: await value(page, '#d-local'),
    input: await value(page, '#d-input'),
    product: await value(page, '#d-product'),
    batchSum: await value(page, '#d-batchsum'),
    autograd: await value(page, '#d-autograd'),
    fd: await value(page, '#d-fd'),
  };
  await page.screenshot({ path: join(ARTIFACTS, 'playground-backward.png'), fullPage: true });
  await page.click('#btn-update');
  // The keyboard reaches the same weight: focus the unit, → to its first incoming edge.
  await page.focus('#u-0-1');
  await page.keyboard.press('ArrowRight');
  assert.match((await page.textContent('#detail h3')) ?? '', /weight w from x₁ to layer 1 unit 2/);
  const before = await value(page, '#d-before');
  const afterW = await value(page, '#d-after');

  // nabla in Node, same seed, same batch: Linear(2, 4) → Tanh → Linear(4, 2), cross-entropy, SGD.
  manualSeed(3);
  const l1 = new nn.Linear(2, 4);
  const l2 = new nn.Linear(4, 2);
  const rows = indices.flatMap((k) => [data.train.x[2 * k], data.train.x[2 * k + 1]]);
  const x = tensor(rows).reshape(8, 2);
  const y = tensor(indices.map((k) => data.train.y[k])).to('int32');
  const z1 = l1.forward(x);
  z1.retainGrad();
  const a1 = z1.tanh();
  a1.retainGrad();
  const loss = nn.functional.crossEntropy(l2.forward(a1), y);
  const sgd = new optim.SGD([...l1.parameters(), ...l2.parameters()], { lr: 0.5 });
  const w0 = l1.weight.toTypedArray()[1 * 2 + 0];
  loss.backward();
  const g = l1.weight.grad!.toTypedArray()[2];
  const at = (t: { toTypedArray(): ArrayLike<number> }, k: number) => t.toTypedArray()[k];
  close(shownZ, at(z1, 2 * 4 + 1), 'z of layer 1 unit 2, batch row 2');
  close(shownA, at(a1, 2 * 4 + 1), 'its tanh activation');
  close(shownLoss, loss.item(), 'batch loss');
  close(edge.upstream, at(a1.grad!, 2 * 4 + 1), 'upstream dL/da');
  close(edge.local, 1 - at(a1, 2 * 4 + 1) ** 2, "tanh'(z)");
  close(edge.input, at(x, 2 * 2 + 0), 'input x1');
  close(edge.product, edge.upstream * edge.local * edge.input, 'chain-rule product', 1e-6);
  close(edge.batchSum, g, 'the products summed over the batch');
  close(edge.autograd, g, 'dL/dw');
  assert.ok(Math.abs(edge.fd - edge.autograd) < 1e-5, `finite difference ${edge.fd} vs autograd ${edge.autograd}`);
  sgd.step();
  close(before, w0, 'weight before the update');
  close(afterW, l1.weight.toTypedArray()[2], 'weight after w − lr·dL/dw');
  close(afterW, w0 - 0.5 * g, 'w − lr·g');
  assert.equal(await page.textContent('#step-count'), '1');

  // Adam-free SGD has no state; the optimizer-state rows appear with Adam (network.test.ts checks them).
  await page.keyboard.press('ArrowDown');
  assert.match((await page.textContent('#detail h3')) ?? '', /layer 1 unit 3/);
  assert.deepEqual((page as Page & { errors: string[] }).errors, []);
  await page.close();
});

test('step through one sample: reverse topological order, autograd’s gradients per node', {
  skip: missing ?? false,
  timeout: 60_000,
}, async () => {
  const page = await open('?layers=3&act=relu&seed=2');
  await page.click('#btn-trace');
  assert.match((await page.textContent('#stage')) ?? '', /node 1 of 6 \(the loss\)/);
  const dz0 = await value(page, '#t-dz-0');
  await page.click('#btn-trace-next');
  assert.match((await page.textContent('#stage')) ?? '', /node 2 of 6 \(layer 2 unit 1\)/);
  close(await value(page, '#t-dz'), dz0, 'output unit 1 dL/dz');
  close(await value(page, '#t-db'), dz0, 'dL/db = dL/dz');
  await page.click('#btn-trace-next');
  await page.click('#btn-trace-next');
  assert.match((await page.textContent('#stage')) ?? '', /node 4 of 6 \(layer 1 unit 1\)/);
  // dL/da = Σ w·dL/dz over the next layer, and autograd's retained dL/da, side by side.
  close(await value(page, '#t-sum'), await value(page, '#t-da'), 'Σ w·dL/dz vs autograd dL/da', 1e-6);
  await page.screenshot({ path: join(ARTIFACTS, 'playground-trace.png'), fullPage: true });
  await page.close();
});

async function runUntil(page: Page, accuracy: number, timeout: number): Promise<number> {
  await page.click('#btn-run');
  await page
    .waitForFunction((want) => Number(document.getElementById('test-accuracy')?.dataset.value) >= want, accuracy, {
      timeout,
      polling: 250,
    })
    .catch(() => {});
  await page.click('#btn-run');
  return value(page, '#test-accuracy');
}

test('run mode: XOR reaches 100% test accuracy; the link reloads to identical weights', {
  skip: missing ?? false,
  timeout: 150_000,
}, async () => {
  const page = await open('?data=xor&noise=0&layers=4-4&act=tanh');
  const acc = await runUntil(page, 1, 90_000);
  assert.equal(acc, 1, `XOR test accuracy ${acc}`);
  const steps = Number(await page.textContent('#step-count'));
  assert.ok(steps > 0);
  const link = await page.inputValue('#share');
  assert.match(link, new RegExp(`steps=${steps}`));
  const weights = await download(page, '#btn-safetensors');
  const onnx = await download(page, '#btn-onnx');
  await page.screenshot({ path: join(ARTIFACTS, 'playground-xor.png'), fullPage: true });
  await page.close();

  const again = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  await again.goto(link);
  await again.waitForSelector('body[data-ready]', { timeout: 60_000 });
  assert.equal(await again.textContent('#step-count'), String(steps));
  assert.deepEqual(await download(again, '#btn-safetensors'), weights, 'the link reproduces the weights byte for byte');
  await again.close();

  // The exported weights load into the same architecture in Node and classify the XOR corners.
  const state = io.decodeSafetensors(new Uint8Array(weights)).tensors;
  const model = new nn.Sequential(
    new nn.Linear(2, 4),
    new nn.Tanh(),
    new nn.Linear(4, 4),
    new nn.Tanh(),
    new nn.Linear(4, 2),
  );
  model.loadStateDict(state);
  const corners = tensor([0.5, 0.5, -0.5, 0.5, -0.5, -0.5, 0.5, -0.5]).reshape(4, 2);
  assert.deepEqual(Array.from(model.forward(corners).argmax(1).toTypedArray()), [0, 1, 0, 1]);
  // The exported ONNX runs in onnxruntime-node to the same outputs.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(new Uint8Array(onnx));
  const out = await session.run({
    [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(corners.toTypedArray()), [4, 2]),
  });
  const want = model.forward(corners).toTypedArray();
  Array.from(out[session.outputNames[0]].data as Float32Array).forEach((v, k) =>
    assert.ok(Math.abs(v - want[k]) < 1e-5, `onnx output ${k}: ${v} vs nabla ${want[k]}`),
  );
});

test('run mode: two spirals with a 2-16-16-2 tanh network reach ≥ 95% test accuracy', {
  skip: missing ?? false,
  timeout: 200_000,
}, async () => {
  const page = await open('?data=spiral&noise=0&points=600&train=0.7&layers=16-16&act=tanh');
  const acc = await runUntil(page, 0.95, 170_000);
  assert.ok(acc >= 0.95, `spiral test accuracy ${acc}`);
  await page.screenshot({ path: join(ARTIFACTS, 'playground-spiral.png'), fullPage: true });
  await page.close();
});

test('a bad CSV shows what is wrong and the page keeps working; a good one loads', {
  skip: missing ?? false,
  timeout: 60_000,
}, async () => {
  const page = await open('', 390);
  await page.setInputFiles('#csv-file', {
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n'),
  });
  await page.waitForSelector('#csv-message:not([hidden])');
  assert.match((await page.textContent('#csv-message')) ?? '', /bad\.csv, line 3, column 2: "abc" is not a number/);
  await page.click('#btn-step');
  assert.equal(await page.textContent('#step-count'), '1');
  await page.setInputFiles('#csv-file', {
    name: 'seven.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('1,2,0\n3,4,7\n5,6,1\n7,8,2\n'),
  });
  await page.waitForFunction(() => /at most 6 classes/.test(document.getElementById('csv-message')?.textContent ?? ''));
  const rows = Array.from({ length: 60 }, (_, k) => `${Math.cos(k)},${Math.sin(k)},${k % 3}`).join('\n');
  await page.setInputFiles('#csv-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(rows) });
  await page.waitForFunction(() =>
    /good\.csv: 60 rows, 3 classes/.test(document.getElementById('csv-message')?.textContent ?? ''),
  );
  assert.equal(await page.inputValue('#data'), 'csv');
  await page.click('#btn-step');
  await page.click('#btn-step');
  assert.equal(await page.textContent('#step-count'), '2');
  await page.screenshot({ path: join(ARTIFACTS, 'playground-phone.png'), fullPage: true });
  const link = await page.inputValue('#share');
  const weights = await download(page, '#btn-safetensors');
  await page.close();

  // A link made with an uploaded file asks for it, and replays once the same file comes.
  const again = await open(new URL(link).search, 390);
  assert.match((await again.textContent('#notice')) ?? '', /upload the same file to replay its 2 steps/);
  assert.equal(await again.textContent('#step-count'), '0');
  await again.setInputFiles('#csv-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(rows) });
  await again.waitForFunction(() => document.getElementById('step-count')?.textContent === '2');
  assert.equal(await again.isHidden('#notice'), true);
  assert.deepEqual(await download(again, '#btn-safetensors'), weights);
  await again.close();
});

test('without cross-origin isolation (a plain static host) the page runs on one thread', {
  skip: missing ?? false,
  timeout: 60_000,
}, async () => {
  const page = await open('?layers=6', 1000, plainUrl);
  assert.match((await page.textContent('#runtime')) ?? '', /1 thread \(not cross-origin isolated: one thread\)/);
  await page.click('#btn-step');
  assert.equal(await page.textContent('#step-count'), '1');
  // A click on the plot adds a training point of the chosen class; the link carries it.
  await page.selectOption('#brush', '1');
  const box = (await page.locator('#plot').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.75, box.y + box.height * 0.25);
  assert.match(await page.inputValue('#share'), /added=0\.5\d*%2C0\.5\d*%2C1/);
  assert.equal(await page.textContent('#step-count'), '0');
  // From the keyboard: arrows move a cross over the focused plot, Enter adds the point.
  await page.focus('#plot');
  for (let k = 0; k < 4; k++) await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() =>
    /%3B-0\.2%2C0%2C1/.test((document.getElementById('share') as HTMLInputElement).value),
  );
  // The JS reference kernels can be chosen instead of WASM; the link records it.
  await page.selectOption('#backend', 'js');
  await page.waitForFunction(() => /js kernels/.test(document.getElementById('runtime')?.textContent ?? ''));
  assert.match(await page.inputValue('#share'), /backend=js/);
  await page.click('#btn-step');
  assert.equal(await page.textContent('#step-count'), '1');
  await page.close();
});

test('at phone width nothing overflows sideways; Adam’s state of a weight shows after an update', {
  skip: missing ?? false,
  timeout: 60_000,
}, async () => {
  const page = await open('?data=gauss&classes=4&layers=6-5&act=gelu', 390);
  for (const step of ['forward', 'loss', 'backward', 'update']) await page.click(`#btn-${step}`);
  await page.focus('#u-1-2');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.match((await page.textContent('#detail h3')) ?? '', /weight w from layer 1 unit 2 to layer 2 unit 3/);
  assert.equal(await value(page, '#d-state-step'), 1);
  const m = await value(page, '#d-state-expAvg');
  const g = await value(page, '#d-grad');
  close(m, 0.1 * g, "Adam's first moment after one step: (1 − β₁)·g", 1e-6);
  // The finite difference is taken at the weights the gradient belongs to (before the update).
  const fd = await value(page, '#d-fd');
  assert.ok(Math.abs(fd - g) < 1e-5, `finite difference ${fd} vs dL/dw ${g} after the update`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await page.locator('#net-panel').screenshot({ path: join(ARTIFACTS, 'playground-phone-steps.png') });
  await page.close();
});
