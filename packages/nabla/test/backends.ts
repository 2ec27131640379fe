import { initWasm, jsBackend, setBackend, type Backend } from '../src/index.js';
import '../src/node.js'; // Node's worker_threads for the WASM pool (the browser entry alone runs one thread in Node)
import { initNative } from '../src/backend/native/index.js';

// initWasm selects the WASM backend; tests start from the reference and opt in per backend.
const wasm = await initWasm().then(
  (b) => b,
  () => null,
);
// The native backend (platform BLAS through koffi) joins where a BLAS loads (CI installs OpenBLAS).
const started = await initNative({ select: false });
const native = typeof started === 'string' ? null : started;
setBackend(jsBackend);

/** Why the native backend is not under test, or null when it is. */
export const nativeUnavailable: string | null = typeof started === 'string' ? started : null;

/**
 * Every backend the op tests run on. Each op test loops over this list with the same table of
 * cases, so a new backend is added here once and is then checked against everything.
 */
export function backendsUnderTest(): Backend[] {
  return [jsBackend, ...(wasm ? [wasm] : []), ...(native ? [native] : [])];
}

/** Runs `fn` with `backend` active, restoring the reference backend afterwards. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  setBackend(backend);
  try {
    return fn();
  } finally {
    setBackend(jsBackend);
  }
}
