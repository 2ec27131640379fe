/**
 * `ready()`: one call that leaves the fastest backend of the platform selected. The Node entry
 * (`nabla/node`) registers its own start-up (native BLAS, else WASM) here; elsewhere (a page, a
 * worker, `nabla` alone in Node) it is WASM, falling back to the `js` reference.
 */
import { backendInfo, initWasm, wasmInfo, type BackendInfo } from './index.js';

let startup: Promise<unknown> | null = null;
let pending: Promise<BackendInfo> | null = null;
let wasmFailure: string | null = null;

/** `backendInfo()` once `ready()` has started a backend, and why WASM did not start where it did not. */
export interface ReadyInfo extends BackendInfo {
  wasmUnavailable: string | null;
}

/** @internal The Node entry hands over its backend selection, so `ready()` waits for it instead of starting WASM. */
export function setStartup(selection: Promise<unknown>): void {
  startup = selection;
}

/**
 * Starts the fastest backend this platform has, once, and resolves with `backendInfo()`:
 * `native` (BLAS) or `wasm` in Node through `nabla/node` (which has already done so when its
 * import resolves), `wasm` in browsers and workers (multi-threaded on cross-origin-isolated
 * pages). Where WASM cannot start the `js` reference stays, and `wasmUnavailable` says why.
 * Later calls return the same promise. `setBackend` still switches afterwards.
 * @example
 * import { ready } from 'nabla';
 * const { backend } = await ready(); // 'wasm' in a browser
 */
export function ready(): Promise<ReadyInfo> {
  pending ??= (async () => {
    if (startup) await startup;
    else if (!wasmInfo()) {
      try {
        await initWasm();
      } catch (e) {
        wasmFailure = (e as Error).message;
      }
    }
    return backendInfo();
  })();
  return pending.then((info) => ({ ...info, wasmUnavailable: wasmFailure }));
}
