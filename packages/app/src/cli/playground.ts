/**
 * `nabla playground`: serves the backprop playground (a static page that runs the library in the
 * browser) on a local port, or writes its files to a folder for any static host.
 *
 * The page is built by `scripts/build-playground.mjs` (part of the app's `npm run build`, so
 * `npm ci` produces it) into `dist/playground/`. Served here with the cross-origin-isolation
 * headers (COOP/COEP), the WASM kernels get shared memory and worker threads; a plain static host
 * without them still works, on one thread.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The app package's root: this file is src/cli/playground.ts or dist/cli/playground.js. */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where `npm run build` puts the page. */
export const PLAYGROUND_DIR = join(PACKAGE_ROOT, 'dist', 'playground');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Shared WebAssembly memory (the WASM backend's threads) needs a cross-origin-isolated page. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function builtDir(): string {
  if (!existsSync(join(PLAYGROUND_DIR, 'index.html')) || !existsSync(join(PLAYGROUND_DIR, 'playground.js'))) {
    throw new Error(
      `the playground is not built (${PLAYGROUND_DIR} lacks index.html or playground.js); run: npm run build -w @nabla/app`,
    );
  }
  return PLAYGROUND_DIR;
}

export interface PlaygroundServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the built page. `isolate: false` leaves out the COOP/COEP headers, as a plain static
 * host would (the page then runs the kernels on one thread).
 */
export function servePlayground(options: {
  port: number;
  host: string;
  isolate?: boolean;
  dir?: string;
}): Promise<PlaygroundServer> {
  const root = resolve(options.dir ?? builtDir());
  const headers = options.isolate === false ? {} : ISOLATION;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, 'Content-Type': 'text/plain', Allow: 'GET, HEAD' }).end('method not allowed');
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { ...headers, 'Content-Type': 'text/plain' }).end('bad request path');
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    const type = TYPES[extname(file)];
    if (!file.startsWith(root + sep) || !type || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      done({
        url: `http://${host}:${port}/`,
        server,
        close: () => new Promise<void>((closed) => server.close(() => closed())),
      });
    });
  });
}

/**
 * Writes the page's static files to `out` (created; an existing folder must be empty or hold a
 * previous copy of the playground). The copy goes to a temporary sibling first, then is renamed,
 * so a failed copy leaves nothing half-written.
 */
export function writePlayground(out: string): string[] {
  const src = builtDir();
  const target = resolve(out);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new Error(`--out ${out}: exists and is not a folder`);
    const entries = readdirSync(target);
    if (entries.length && !entries.includes('playground.js'))
      throw new Error(`--out ${out}: the folder is not empty and does not hold a playground; choose another`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  cpSync(src, temp, { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(temp, target);
  return readdirSync(target).sort();
}
