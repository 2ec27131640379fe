/**
 * Browser tests: a real Chromium (Debian's, installed by scripts/install-chromium.sh) drives the
 * web app served by `nabla serve`, and the live training dashboard. Skipped, with the reason,
 * where Chromium or the Fashion-MNIST files are missing; CI installs both.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { chromium, type Browser } from 'playwright-core';
import { FASHION_MNIST_DIR, loadFashionMnist } from 'nabla/node';

/** Debian's chromium; NABLA_CHROMIUM points elsewhere (or at nothing, to see the skip). */
const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');
const ARTIFACTS = join(ROOT, 'test-results');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not found (run scripts/install-chromium.sh)`
  : !existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')) &&
      !existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte'))
    ? `Fashion-MNIST not found in ${FASHION_MNIST_DIR} (run scripts/install-fashion-mnist.sh)`
    : null;
if (missing) console.log(`# browser tests skipped: ${missing}`);

const work = mkdtempSync(join(tmpdir(), 'nabla-browser-'));
const children: ChildProcess[] = [];
let browser: Browser | null = null;

/** Starts `nabla ARGS` and resolves with the first URL printed after `marker`. */
function startNabla(
  args: string[],
  marker: RegExp,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = new RegExp(`${marker.source}\\s*(http://\\S+)`).exec(out);
      if (m) resolve({ child, url: m[1], output: () => out });
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      reject(new Error(`nabla ${args[0]} exited with ${code} before printing its URL:\n${out}`)),
    );
  });
}

/** A real Fashion-MNIST test image (the first Trouser of the t10k split) as a grey PNG. */
function writeTestImage(path: string): void {
  const testSet = loadFashionMnist({ train: false });
  const index = testSet.labels.indexOf(1);
  const pixels = testSet.getItem(index)[0].toTypedArray();
  const png = new PNG({ width: 28, height: 28 });
  pixels.forEach((v, i) => png.data.set([Math.round(v * 255), Math.round(v * 255), Math.round(v * 255), 255], i * 4));
  writeFileSync(path, PNG.sync.write(png));
}

before(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

after(async () => {
  await browser?.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

test('web app: upload a Fashion-MNIST test image, see the predicted class and bars', {
  skip: missing ?? false,
  timeout: 120_000,
}, async () => {
  const trained = spawnSync(
    process.execPath,
    [
      '--import',
      TSX,
      MAIN,
      'train',
      '--data',
      'fashion-mnist',
      '--limit',
      '1500',
      '--epochs',
      '2',
      '--lr',
      '0.003',
      '--out',
      'fm',
    ],
    { cwd: work, encoding: 'utf8' },
  );
  assert.equal(trained.status, 0, trained.stderr);
  writeTestImage(join(work, 'trouser.png'));
  const server = await startNabla(['serve', '--model', 'fm', '--port', '0'], /at/);
  const page = await browser!.newPage({ viewport: { width: 900, height: 640 } });
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById('model-info')?.textContent?.includes('10 classes'));
  await page.setInputFiles('#file-input', join(work, 'trouser.png'));
  await page.waitForSelector('#result:not([hidden])');
  assert.equal(await page.textContent('#result-class'), 'Trouser');
  assert.equal(await page.locator('#predictions li').count(), 5);
  const topBar = await page
    .locator('#predictions li .bar span')
    .first()
    .evaluate((el) => (el as HTMLElement).style.width);
  assert.ok(Number.parseFloat(topBar) > 50, `top bar width ${topBar}`);
  // The canvas shows the 28x28 grey input: some pixels bright, some dark.
  const spread = await page.evaluate(() => {
    const c = document.getElementById('model-view') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let lo = 255,
      hi = 0;
    for (let i = 0; i < d.length; i += 4) {
      lo = Math.min(lo, d[i]);
      hi = Math.max(hi, d[i]);
    }
    return hi - lo;
  });
  assert.ok(spread > 100, `model view pixel range ${spread}`);
  await page.screenshot({ path: join(ARTIFACTS, 'web-app.png'), fullPage: true });
  // A non-image upload shows the server's message instead of a prediction.
  writeFileSync(join(work, 'notes.png'), 'not really a png');
  await page.setInputFiles('#file-input', join(work, 'notes.png'));
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /not a PNG or JPEG/);
  // Dropping the image on the zone works like picking it.
  const b64 = readFileSync(join(work, 'trouser.png')).toString('base64');
  const dataTransfer = await page.evaluateHandle((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'dropped.png', { type: 'image/png' }));
    return dt;
  }, b64);
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });
  await page.waitForSelector('#result:not([hidden])');
  assert.equal(await page.textContent('#result-class'), 'Trouser');
  assert.equal(await page.isHidden('#error'), true);
  await page.close();
});

test('web app for a table model: type an Iris row, see the species', {
  skip: missing ?? false,
  timeout: 60_000,
}, async () => {
  const trained = spawnSync(
    process.execPath,
    ['--import', TSX, MAIN, 'train', '--data', 'iris', '--epochs', '15', '--lr', '0.01', '--out', 'iris'],
    { cwd: work, encoding: 'utf8' },
  );
  assert.equal(trained.status, 0, trained.stderr);
  const server = await startNabla(['serve', '--model', 'iris', '--port', '0'], /at/);
  const page = await browser!.newPage({ viewport: { width: 900, height: 560 } });
  await page.goto(server.url);
  await page.waitForSelector('#row-form:not([hidden])');
  assert.equal(await page.isHidden('#drop-zone'), true);
  await page.fill('#row-input', '1, 2');
  await page.click('#row-form button');
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /enter 4 numbers/);
  await page.fill('#row-input', '5.1, 3.5, 1.4, 0.2');
  await page.click('#row-form button');
  await page.waitForSelector('#result:not([hidden])');
  assert.equal(await page.textContent('#result-class'), 'setosa');
  assert.equal(await page.locator('#predictions li').count(), 3);
  assert.equal(await page.isHidden('#images'), true);
  await page.screenshot({ path: join(ARTIFACTS, 'web-app-table.png'), fullPage: true });
  await page.close();
});

test('training dashboard streams the curves to the browser', { skip: missing ?? false, timeout: 60_000 }, async () => {
  const run = await startNabla(
    ['train', '--data', 'iris', '--epochs', '12', '--lr', '0.01', '--out', 'dash', '--dashboard', '--port', '0'],
    /dashboard:/,
  );
  const page = await browser!.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(run.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('finished'), null, {
    timeout: 45_000,
  });
  assert.match((await page.textContent('#last-epoch')) ?? '', /^epoch 12: loss \d/);
  assert.equal(await page.locator('#loss-chart svg').count(), 1);
  assert.equal(await page.locator('#accuracy-chart svg').count(), 1);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  assert.match(run.output(), /training finished; the dashboard stays at/);
  await page.close();
});

test('with --plasticity the dashboard also shows the diagnostics charts', {
  skip: missing ?? false,
  timeout: 60_000,
}, async () => {
  const run = await startNabla(
    [
      'train',
      '--data',
      'iris',
      '--epochs',
      '3',
      '--out',
      'dash-plasticity',
      '--plasticity',
      '--dashboard',
      '--port',
      '0',
    ],
    /dashboard:/,
  );
  const page = await browser!.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(run.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('finished'), null, {
    timeout: 45_000,
  });
  // Dead units, effective rank, stable rank, mean |w|, below the loss and accuracy.
  assert.equal(await page.locator('#plasticity-charts svg').count(), 4);
  assert.match((await page.textContent('#plasticity-charts')) ?? '', /effective rank[\s\S]*hidden 1/);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-plasticity.png'), fullPage: true });
  await page.close();
});
