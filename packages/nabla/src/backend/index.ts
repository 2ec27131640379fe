import type { Backend } from './kernels.js';
import { jsBackend } from './js/index.js';
import { startWasm, wasmBackend, type WasmOptions } from './wasm/index.js';

export type { Backend, Kernels, Strided, UnaryOp, BinaryOp, ReduceOp, ArgReduceOp, Window2d } from './kernels.js';

let current: Backend = jsBackend;

/** The backend that runs kernels now. */
export function getBackend(): Backend {
  return current;
}

/**
 * Chooses the backend that runs every following kernel, by object or by name ('js' is the
 * reference; 'wasm' needs `await initWasm()` first). Ops and autograd are unchanged; only
 * the kernels differ.
 * @example
 * import { setBackend, jsBackend } from 'nabla';
 * setBackend(jsBackend);
 * setBackend('js');
 */
export function setBackend(backend: Backend | 'js' | 'wasm'): void {
  if (backend === 'js') current = jsBackend;
  else if (backend === 'wasm') {
    const wasm = wasmBackend();
    if (!wasm) throw new Error("setBackend('wasm'): the WASM backend is not started; call await initWasm() first");
    current = wasm;
  } else current = backend;
}

/**
 * Starts the WASM backend (SIMD, threads) and selects it, as the fastest available; rejects,
 * leaving the current backend in place, where the engine lacks WebAssembly SIMD.
 * @example
 * import { initWasm, setBackend } from 'nabla';
 * await initWasm({ threads: 2 }); // now the WASM backend runs kernels
 * setBackend('js');               // back to the reference
 */
export async function initWasm(options: WasmOptions = {}): Promise<Backend> {
  current = await startWasm(options);
  return current;
}

export { jsBackend };
export { setNumThreads, wasmInfo, type WasmOptions, type WasmInfo } from './wasm/index.js';
