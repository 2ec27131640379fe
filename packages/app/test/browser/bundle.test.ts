/**
 * The browser build with bundlers' defaults: examples/browser is bundled by esbuild and by Vite,
 * served, and trained in a real Chromium (Debian's; skipped with the reason where it is missing).
 * Each bundle must reach no `node:` module, start the WASM backend with `ready()`, keep the page
 * responsive while `fitAsync` trains (a 1 ms timer ticks), and lower the loss; the esbuild bundle
 * also trains in a Web Worker, and both on a cross-origin-isolated page with WASM threads.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const EXAMPLE = fileURLToPath(new URL('../../../../examples/browser/', import.meta.url));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
// 'nabla' resolves to the library's TypeScript sources (the working tree) instead of its built
// dist/, which may be older; every other setting is the bundler's default.
const SOURCE_CONDITION = 'nabla-source';

const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (run scripts/install-chromium.sh)`;
if (missing) console.log(`# bundle tests skipped: ${missing}`);

const work = mkdtempSync(join(tmpdir(), 'nabla-bundle-'));
let browser: Browser | null = null;
const servers: Server[] = [];

before(async () => {
  if (!missing) browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});
after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
  rmSync(work, { recursive: true, force: true });
});

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves `dir` on a free port; `isolated` adds the COOP/COEP headers that enable WASM threads. */
function serve(dir: string, isolated: boolean): Promise<string> {
  const server = createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(readFileSync(file));
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
  );
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** An import or require of a `node:` module left in bundled code. */
const NODE_IMPORT = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/;

interface TrainResult {
  backend: string;
  threads: number;
  losses: number[];
  accuracy: number;
  ticks?: number;
}

function checkTraining(r: TrainResult, where: string): void {
  assert.equal(r.backend, 'wasm', `${where}: ready() starts WASM`);
  assert.equal(r.losses.length, 15, `${where}: 15 epochs`);
  assert.ok(r.losses.every(Number.isFinite), `${where}: finite losses ${r.losses}`);
  assert.ok(r.losses[14] < 0.6 * r.losses[0], `${where}: the loss goes down (${r.losses[0]} -> ${r.losses[14]})`);
  assert.ok(r.accuracy > 0.85, `${where}: training accuracy ${r.accuracy}`);
}

/** Opens `url`, waits for main.ts's training to finish on the page, returns its result. */
async function trainOnPage(url: string): Promise<TrainResult> {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  try {
    await page.goto(url);
    await page.waitForFunction(
      () => {
        const g = globalThis as { trainResult?: unknown; trainError?: string };
        return g.trainResult !== undefined || g.trainError !== undefined;
      },
      null,
      { timeout: 120_000 },
    );
    const { result, error } = await page.evaluate(() => {
      const g = globalThis as { trainResult?: unknown; trainError?: string };
      return { result: g.trainResult, error: g.trainError };
    });
    assert.equal(error, undefined, `training failed on the page: ${error}`);
    assert.deepEqual(errors, []);
    return result as TrainResult;
  } finally {
    await page.close();
  }
}

test('esbuild with default settings bundles the example; it trains in Chromium on the page (threads when isolated) and in a Web Worker', {
  skip: missing ?? false,
}, async () => {
  const { build } = await import('esbuild');
  const out = join(work, 'esbuild');
  const result = await build({
    // worker-web.js beside the bundle: the WASM thread pool's worker, which esbuild does not emit by itself.
    entryPoints: {
      main: join(EXAMPLE, 'main.ts'),
      worker: join(EXAMPLE, 'worker.ts'),
      'worker-web': 'nabla/wasm-worker',
    },
    bundle: true,
    format: 'esm',
    outdir: out,
    metafile: true,
    logLevel: 'silent',
    conditions: [SOURCE_CONDITION],
  });
  assert.deepEqual(result.errors, []);
  const inputs = Object.keys(result.metafile.inputs);
  assert.deepEqual(
    inputs.filter((p) => p.startsWith('node:')),
    [],
    'no node: module is reachable',
  );
  assert.ok(
    inputs.some((p) => p.endsWith('packages/nabla/src/index.ts')),
    'the library is in the bundle',
  );
  for (const f of filesUnder(out)) assert.doesNotMatch(readFileSync(f, 'utf8'), NODE_IMPORT, f);
  const html = readFileSync(join(EXAMPLE, 'index.html'), 'utf8').replace('./main.ts', './main.js');
  (await import('node:fs')).writeFileSync(join(out, 'index.html'), html);

  const url = await serve(out, false);
  const onPage = await trainOnPage(url);
  checkTraining(onPage, 'esbuild page');
  assert.ok((onPage.ticks ?? 0) > 0, 'a 1 ms timer ran while fitAsync trained: the page stayed responsive');
  const isolated = await trainOnPage(await serve(out, true));
  checkTraining(isolated, 'esbuild isolated page');
  assert.ok(isolated.threads > 1, `WASM threads on a cross-origin-isolated page (got ${isolated.threads})`);

  const page = await browser!.newPage();
  try {
    await page.goto(url);
    const inWorker = (await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker('./worker.js', { type: 'module' });
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => reject(new Error(e.message));
          worker.postMessage('train');
        }),
    )) as TrainResult & { error?: string };
    assert.equal(inWorker.error, undefined);
    checkTraining(inWorker, 'esbuild worker');
  } finally {
    await page.close();
  }
});

test('Vite with default settings builds the example; it trains in Chromium, with WASM threads when cross-origin isolated', {
  skip: missing ?? false,
}, async () => {
  const { build, defaultClientConditions } = await import('vite');
  const out = join(work, 'vite');
  const warnings: string[] = [];
  await build({
    root: EXAMPLE,
    configFile: false,
    logLevel: 'silent',
    customLogger: {
      info: () => {},
      warn: (m: string) => warnings.push(m),
      warnOnce: (m: string) => warnings.push(m),
      error: (m: string) => warnings.push(m),
      clearScreen: () => {},
      hasErrorLogged: () => false,
      hasWarned: false,
    },
    build: { outDir: out, emptyOutDir: true },
    resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  });
  assert.deepEqual(
    warnings.filter((w) => /externalized|node:/.test(w)),
    [],
    'Vite externalized no Node module for the browser',
  );
  for (const f of filesUnder(out)) if (f.endsWith('.js')) assert.doesNotMatch(readFileSync(f, 'utf8'), NODE_IMPORT, f);

  const plain = await trainOnPage(await serve(out, false));
  checkTraining(plain, 'vite page');
  assert.ok((plain.ticks ?? 0) > 0, 'the page stayed responsive');
  const isolated = await trainOnPage(await serve(out, true));
  checkTraining(isolated, 'vite isolated page');
  assert.ok(isolated.threads > 1, `WASM threads on a cross-origin-isolated page (got ${isolated.threads})`);
});
