/**
 * The WASM backend in a real browser: Chromium (Debian's, scripts/install-chromium.sh) loads the
 * library's sources as ES modules from a cross-origin-isolated page, so initWasm gets shared
 * memory and starts its workers from worker-web.ts, then a threaded product and convolution must
 * match the js backend. The server transpiles each .ts on request (types stripped, nothing
 * bundled), so the browser resolves the modules and `new URL('./worker-web.js', import.meta.url)`
 * exactly as it would the built dist/. Skipped, with the reason, where Chromium is missing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import ts from 'typescript';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (run scripts/install-chromium.sh)`;
if (missing) console.log(`# wasm browser test skipped: ${missing}`);

/** Cross-origin isolation, which shared WebAssembly memory needs; workers' scripts carry it too. */
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Serves `/` (an empty page) and `/src/**.js` transpiled from the matching .ts source. */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path === '/') {
      res.writeHead(200, { ...ISOLATED, 'Content-Type': 'text/html' }).end('<!doctype html><title>nabla wasm</title>');
      return;
    }
    const file = join(ROOT, path.replace(/\.js$/, '.ts'));
    if (!path.startsWith('/src/') || !existsSync(file)) {
      res.writeHead(404, ISOLATED).end();
      return;
    }
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    res.writeHead(200, { ...ISOLATED, 'Content-Type': 'text/javascript' }).end(outputText);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let browser: Browser | null = null;
let server: Server | null = null;

before(async () => {
  if (missing) return;
  server = await serve();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('browser: initWasm starts module workers on shared memory; threaded matmul and conv2d match js', {
  skip: missing ?? false,
  timeout: 120_000,
}, async () => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/`);
  const result = await page.evaluate(async () => {
    const nb = (await import('/src/index.js' as string)) as typeof import('../../src/index.js');
    await nb.initWasm({ threads: 3 });
    const a = nb.randn([200, 300]);
    const b = nb.randn([300, 400]);
    const x = nb.randn([8, 3, 20, 20]);
    const w = nb.randn([6, 3, 5, 5]);
    // No named function expressions in here: tsx would wrap them in a helper the page lacks.
    const outs: number[][][] = [];
    for (const backend of ['wasm', 'js'] as const) {
      nb.setBackend(backend);
      outs.push([
        Array.from(nb.matmul(a, b).toTypedArray()),
        Array.from(nb.nn.functional.conv2d(x, w, null, { padding: 2 }).toTypedArray()),
      ]);
    }
    const [got, want] = outs;
    const errs = got.map((arr, i) => Math.max(...arr.map((v, j) => Math.abs(v - want[i][j]))));
    return {
      isolated: crossOriginIsolated,
      info: nb.wasmInfo(),
      matmulErr: errs[0],
      convErr: errs[1],
      convSize: got[1].length,
    };
  });
  assert.deepEqual(errors, []);
  assert.equal(result.isolated, true);
  assert.equal(result.info?.sharedMemory, true);
  assert.equal(result.info?.threads, 3);
  assert.equal(result.convSize, 8 * 6 * 20 * 20);
  assert.ok(result.matmulErr < 1e-3, `matmul differs from js by ${result.matmulErr}`);
  assert.ok(result.convErr < 1e-3, `conv2d differs from js by ${result.convErr}`);
});
