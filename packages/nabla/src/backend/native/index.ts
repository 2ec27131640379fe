/**
 * The `native` backend (Node only): the WASM backend's kernel table with GEMM-shaped work —
 * matmul and the fused convolution kernels — on the platform BLAS, loaded at run time through
 * koffi. Reached only from the Node entry (node.ts); the browser entry never imports it (the
 * wasm-workers test checks that nothing index.ts reaches imports a node: module).
 */
import type { Backend } from '../kernels.js';
import { registerNative, setBackend, setNumThreads } from '../index.js';
import { jsBackend } from '../js/index.js';
import { startWasm, wasmInfo } from '../wasm/index.js';
import { cores } from '../wasm/threads-node.js';
import { loadBlas, type Blas } from './blas.js';
import { convKernels, loadCKernels, withCKernels, type CKernels } from './c-kernels.js';
import { makeNativeConv } from './conv.js';
import { makeNativeAdd } from './elementwise.js';
import { makeNativeMatmul } from './gemm.js';
import { adviseHugePages, retainFreedMemory } from './malloc.js';
import { pooledBlas } from './pool.js';

/** Options of `initNative`. */
export interface NativeOptions {
  /** Threads for the BLAS and the WASM workers alike; defaults to the machine's cores. */
  threads?: number;
  /** Library files to try instead of the platform's usual places (and $NABLA_BLAS). */
  paths?: readonly string[];
  /** Select the backend once started (default true). */
  select?: boolean;
}

/** Builds the native backend over `base` (the WASM backend, or the JS reference without WASM). */
export function makeNativeBackend(blas: Blas, wasm: Backend, c: CKernels | null = null): Backend {
  const base = c ? withCKernels(wasm, c) : wasm;
  return {
    ...base,
    name: 'native',
    matmul: makeNativeMatmul(blas, base.matmul),
    conv2d: makeNativeConv(blas, base, c ? convKernels(c) : null),
    binary: { ...base.binary, add: makeNativeAdd(blas, base.binary.add) },
    // Native kernels take the tensors' own memory: nothing to keep resident in WASM memory.
    keepResident: undefined,
  };
}

/**
 * Loads the platform BLAS and starts the native backend over the WASM one (selecting it unless
 * `select: false`). Resolves to the backend, or to the one-line reason none loads, in which case
 * the current backend stays in use.
 * @example
 * import { initNative, backendInfo } from 'nabla/node';
 * const started = await initNative({ threads: 1 });
 * console.log(typeof started === 'string' ? started : backendInfo().blas?.library);
 */
export async function initNative(options: NativeOptions = {}): Promise<Backend | string> {
  const { blas, reason } = await loadBlas(options.paths);
  if (!blas) {
    registerNative(null, reason);
    return reason;
  }
  const base = await startWasm(options.threads === undefined ? {} : { threads: options.threads }).catch(
    () => jsBackend,
  );
  const c = await loadCKernels();
  // GEMMs on the compiled kernels' pool when it finds the BLAS (pool.ts), else on the BLAS's
  // threads; NABLA_POOL=0 asks for the latter.
  const pool = process.env.NABLA_POOL !== '0' && c.kernels ? pooledBlas(blas, c.kernels) : null;
  const gemm = pool ?? blas;
  const backend = makeNativeBackend(gemm, base, c.kernels);
  // Fresh output buffers would otherwise fault in new pages inside every large GEMM (malloc.ts).
  await retainFreedMemory();
  if (c.kernels) adviseHugePages(c.kernels);
  registerNative({ backend, blas: gemm, kernels: c.kernels ?? { unavailable: c.reason } }, null);
  // One thread count for both: the WASM pool's (the machine's cores unless given).
  await setNumThreads(options.threads ?? wasmInfo()?.threads ?? cores());
  if (options.select !== false) setBackend(backend);
  return backend;
}
