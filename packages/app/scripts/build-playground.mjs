// Builds the backprop playground into dist/playground/: the page (web/playground/*.html, *.css),
// its script bundled by esbuild from src/playground/main.ts with the library's browser entry
// (packages/nabla/src/index.ts, through the `nabla-source` export condition), and the WASM
// backend's worker module next to it, where the library's `new URL('./worker-web.js',
// import.meta.url)` finds it. Run by the app's `npm run build` (so by `npm ci`).
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const APP = dirname(dirname(fileURLToPath(import.meta.url)));
const NABLA_SRC = join(APP, '..', 'nabla', 'src');
const out = process.argv[2] ?? join(APP, 'dist', 'playground');
const temp = `${out}.tmp-${process.pid}`;

rmSync(temp, { recursive: true, force: true });
mkdirSync(temp, { recursive: true });
await build({
  entryPoints: {
    playground: join(APP, 'src', 'playground', 'main.ts'),
    'worker-web': join(NABLA_SRC, 'backend', 'wasm', 'worker-web.ts'),
  },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  conditions: ['nabla-source'],
  minify: true,
  sourcemap: true,
  outdir: temp,
  logLevel: 'warning',
});
for (const file of readdirSync(join(APP, 'web', 'playground')))
  copyFileSync(join(APP, 'web', 'playground', file), join(temp, file));
// Replace the previous build in one rename, so a failed build leaves the old one whole.
rmSync(out, { recursive: true, force: true });
mkdirSync(dirname(out), { recursive: true });
renameSync(temp, out);
console.log(`playground built in ${out}`);
