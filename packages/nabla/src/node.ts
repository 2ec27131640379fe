/** Node-only entry (`nabla/node`): file system loaders, threads. Never imported by the core. */
export { readCsvFile } from './data/read-csv-file.js';
export {
  writeFileAtomic, writeModelFiles, readModelFiles, saveModel, loadModel, saveSafetensors, loadSafetensors,
} from './io/node-files.js';
export * from './data/image-node/index.js';

import { initWasm } from './backend/index.js';

// The Node entry selects the fastest backend on import: WASM SIMD on worker threads (every Node
// this package supports has WebAssembly SIMD). NABLA_BACKEND=js keeps the JS reference; a
// failure to start WASM also leaves the reference in place.
if (process.env.NABLA_BACKEND !== 'js') await initWasm().catch(() => undefined);
export { initWasm, setNumThreads, wasmInfo, setBackend, getBackend } from './backend/index.js';
