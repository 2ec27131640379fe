import type { Backend } from './kernels.js';
import { jsBackend } from './js/index.js';
import {
  setNumThreads as setWasmThreads,
  startWasm,
  wasmBackend,
  wasmInfo,
  type WasmInfo,
  type WasmOptions,
} from './wasm/index.js';

export type { Backend, Kernels, Strided, UnaryOp, BinaryOp, ReduceOp, ArgReduceOp, Window2d } from './kernels.js';

let current: Backend = jsBackend;

/** What the native backend (Node) registers here, so the browser-safe core can select it by name. */
export interface NativeHandle {
  readonly backend: Backend;
  readonly blas: {
    readonly library: string;
    readonly path: string;
    readonly corename: string | null;
    readonly config: string | null;
    setThreads(threads: number): void;
    threads(): number | null;
  };
  /** nabla's compiled element kernels (native/kernels.c), or why the native backend runs those loops on WASM. */
  readonly kernels: { readonly path: string; readonly vectorBits: number } | { readonly unavailable: string };
}

let native: NativeHandle | null = null;
let nativeReason: string | null = null;

/** @internal Called by the native backend's loader (nabla/node) with the backend, or the reason none loads. */
export function registerNative(handle: NativeHandle | null, reason: string | null): void {
  native = handle;
  nativeReason = handle ? null : reason;
}

/** The backend that runs kernels now. */
export function getBackend(): Backend {
  return current;
}

/**
 * Chooses the backend that runs every following kernel, by object or by name ('js' is the
 * reference; 'wasm' needs `await initWasm()` first; 'native', the platform BLAS, exists only in
 * Node once `nabla/node` has loaded one). Ops and autograd are unchanged; only the kernels differ.
 * @example
 * import { setBackend, jsBackend } from 'nabla';
 * setBackend(jsBackend);
 * setBackend('js');
 */
export function setBackend(backend: Backend | 'js' | 'wasm' | 'native'): void {
  if (backend === 'js') current = jsBackend;
  else if (backend === 'native') {
    if (!native)
      throw new Error(
        `setBackend('native'): ${nativeReason ?? "the native backend exists only in Node: import 'nabla/node' (or call initNative()) first"}`,
      );
    current = native.backend;
  } else if (backend === 'wasm') {
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
export { wasmInfo, type WasmOptions, type WasmInfo } from './wasm/index.js';

/**
 * Sets how many threads (the caller included) kernels use: the WASM workers and, in Node with
 * the native backend, the BLAS's threads alike, so the two pools never outnumber the cores.
 * Needs a started WASM or native backend.
 * @example
 * import { initWasm, setNumThreads } from 'nabla';
 * await initWasm();
 * await setNumThreads(1); // single-threaded kernels
 */
export async function setNumThreads(threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`setNumThreads: threads must be a positive integer, got ${threads}`);
  if (!native && !wasmBackend())
    throw new Error('setNumThreads: call await initWasm() first (the WASM backend is not started)');
  if (wasmBackend()) await setWasmThreads(threads);
  native?.blas.setThreads(threads);
}

/** Which backend runs kernels, with what (see `backendInfo`). */
export interface BackendInfo {
  /** The current backend's name: 'native', 'wasm', 'js' (or a custom backend's). */
  backend: string;
  /** Threads the current backend's kernels may use. */
  threads: number;
  /** The platform BLAS under the native backend (Node), or null where none is loaded. */
  blas: {
    library: string;
    path: string;
    corename: string | null;
    config: string | null;
    threads: number | null;
  } | null;
  /**
   * nabla's compiled element kernels under the native backend (optimizer steps, ReLU, im2col):
   * the library and its vector width, or why they are not loaded (the WASM kernels run those
   * loops then); null where the native backend is not loaded.
   */
  kernels: { path: string; vectorBits: number } | { unavailable: string } | null;
  /** The WASM backend's features, or null before it starts. */
  wasm: WasmInfo | null;
  /** Why the native backend is unavailable (one line), or null when it loaded or was never tried. */
  nativeUnavailable: string | null;
}

/**
 * Reports the running backend: its name and threads, the BLAS library and kernel under the
 * native backend, WASM's features, and why native is unavailable if it is.
 * @example
 * import { backendInfo } from 'nabla';
 * const info = backendInfo();
 * console.log(info.backend, info.threads, info.blas?.corename ?? '');
 */
export function backendInfo(): BackendInfo {
  const wasm = wasmInfo();
  const blas = native
    ? {
        library: native.blas.library,
        path: native.blas.path,
        corename: native.blas.corename,
        config: native.blas.config,
        threads: native.blas.threads(),
      }
    : null;
  const name = current.name;
  const threads =
    name === 'native' ? (blas?.threads ?? wasm?.threads ?? 1) : name === 'wasm' ? (wasm?.threads ?? 1) : 1;
  return {
    backend: name,
    threads,
    blas,
    kernels: native ? { ...native.kernels } : null,
    wasm,
    nativeUnavailable: nativeReason,
  };
}
