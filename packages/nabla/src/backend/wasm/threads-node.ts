/** Node's workers for the WASM thread pool; loaded only by a dynamic import, so browsers never see it. */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SpawnWorker } from './pool.js';
import { WORKER_READY } from './worker.js';

const FROM_SOURCES = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCES ? './worker-node.ts' : './worker-node.js', import.meta.url);

/**
 * What a worker starts from: worker-node.js beside this file in dist/. From the TypeScript sources
 * (tests, examples, benches through tsx), Node 20 applies no loader hooks to a worker, and tsx
 * registered inside each worker costs half a second or more of CPU per worker; so the worker module
 * (three small files) is bundled once with the esbuild that tsx itself runs on, and each worker
 * starts from that bundle as a data: URL. Without tsx (a Node that strips types itself) the .ts
 * entry loads directly.
 */
let entry: Promise<URL> | null = null;

function workerEntry(): Promise<URL> {
  entry ??= FROM_SOURCES ? bundledEntry() : Promise.resolve(ENTRY);
  return entry;
}

async function bundledEntry(): Promise<URL> {
  const esbuild = await esbuildOfTsx();
  if (!esbuild) return ENTRY;
  const { outputFiles } = await esbuild.build({
    entryPoints: [fileURLToPath(ENTRY)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
  });
  return new URL(`data:text/javascript;base64,${Buffer.from(outputFiles[0].contents).toString('base64')}`);
}

interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { contents: Uint8Array }[] }>;
}

async function esbuildOfTsx(): Promise<Esbuild | null> {
  try {
    const path = createRequire(import.meta.resolve('tsx')).resolve('esbuild');
    return (await import(pathToFileURL(path).href)) as Esbuild;
  } catch {
    return null;
  }
}

export const spawnWorker: SpawnWorker = async (init) => {
  const url = await workerEntry();
  // A bundle needs none of the parent's flags; `--import tsx` would only slow each start.
  const execArgv = url.protocol === 'data:' ? [] : undefined;
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: init, execArgv });
    const fail = (why: string): void => reject(new Error(`wasm worker ${ENTRY.pathname} failed to start: ${why}`));
    worker.once('error', (e) => fail(e.message));
    worker.once('exit', (code) => fail(`exited with code ${code}`));
    worker.once('message', (message) => {
      if (message !== WORKER_READY) return fail(`unexpected message ${String(message)}`);
      worker.removeAllListeners('exit');
      // unref: idle kernel threads must not keep a finished script alive.
      worker.unref();
      resolve(worker);
    });
  });
};

export function cores(): number {
  return availableParallelism();
}
