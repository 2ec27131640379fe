/** Node-only entry (`nabla/node`): file system loaders, threads, the native BLAS backend. Never imported by the core. */
export { readCsvFile } from './data/read-csv-file.js';
export {
  writeFileAtomic,
  makeDirectory,
  writeModelFiles,
  readModelFiles,
  saveModel,
  loadModel,
  saveSafetensors,
  loadSafetensors,
} from './io/node-files.js';
export * from './data/image-node/index.js';

import { initWasm } from './backend/index.js';
import { initNative } from './backend/native/index.js';
import { setStartup } from './backend/ready.js';
import { widenHeapGrowth } from './backend/heap-growth-node.js';
import { setHostThreads } from './backend/wasm/index.js';
import { cores, spawnWorker } from './backend/wasm/threads-node.js';

// WASM threads in Node are worker_threads; only this entry brings them (and every node: module) in.
setHostThreads({ spawn: spawnWorker, cores: cores() });
// Training churns through array buffers faster than V8's default heap growth allows for (see the module).
widenHeapGrowth();

// The Node entry selects the fastest backend on import: the platform BLAS through FFI for GEMM
// work over WASM SIMD on worker threads for the rest ('native'), else WASM alone (every Node this
// package supports has WebAssembly SIMD); backendInfo().nativeUnavailable says why in one line.
// NABLA_BACKEND=js|wasm|native picks one; a failure to start leaves the previous one in place.
// ready() (also exported here) waits for this selection instead of starting one of its own.
async function selectBackend(wanted: string | undefined): Promise<void> {
  if (wanted === 'js') return;
  await initWasm().catch(() => undefined);
  if (wanted === 'wasm') return;
  const started = await initNative();
  if (typeof started === 'string' && wanted === 'native')
    console.warn(
      `nabla: NABLA_BACKEND=native: ${started}; using ${(await import('./backend/index.js')).getBackend().name}`,
    );
}
const selection = selectBackend(process.env.NABLA_BACKEND);
setStartup(selection);
await selection;
export {
  initWasm,
  setNumThreads,
  wasmInfo,
  setBackend,
  getBackend,
  backendInfo,
  type BackendInfo,
} from './backend/index.js';
export { initNative, type NativeOptions } from './backend/native/index.js';
export { ready, type ReadyInfo } from './backend/ready.js';
