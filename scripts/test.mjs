// `npm test [-- PATH…]`: builds the WASM kernels when assembly/ changed and the native kernels when native/ changed, checks formatting and lint
// (Biome), type-checks the whole repository, and runs every *.test.ts under the given paths
// (default: both packages and test/) on Node's test runner, with `nabla` resolved to the library's
// sources. With paths, Biome and the type check are skipped (a quick loop while editing); `npm test`
// with no paths is what CI runs, and it runs the autograd and training tests a second time with
// NABLA_DEBUG=recycle.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
const paths = process.argv.slice(2);
const roots = paths.length ? paths : ['packages/nabla/test', 'packages/app/test', 'test'];

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function testFiles(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => testFiles(join(path, name)));
}

run(process.execPath, ['packages/nabla/scripts/build-wasm.mjs']);
run(process.execPath, ['packages/nabla/scripts/build-native.mjs']);
if (!paths.length) {
  // Formatting and lint (Biome) first: it takes a second and names the file and line.
  run(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'check', '--error-on-warnings', '.']);
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
}
const files = roots.flatMap(testFiles);
if (!files.length) {
  console.error(`npm test: no *.test.ts under ${roots.join(', ')}`);
  process.exit(1);
}
run(process.execPath, ['--conditions=nabla-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
if (!paths.length) {
  // Once more with gradient-buffer debugging on (autograd/graph.ts): recycled buffers are poisoned
  // with NaN and exclusivity is asserted, so a backward rule that breaks the contract fails here.
  const debugFiles = ['packages/nabla/test/autograd', 'packages/nabla/test/train'].flatMap(testFiles);
  run(
    process.execPath,
    ['--conditions=nabla-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...debugFiles],
    { ...process.env, NABLA_DEBUG: 'recycle' },
  );
}
