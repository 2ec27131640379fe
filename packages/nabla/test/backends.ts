import { initWasm, jsBackend, setBackend, type Backend } from '../src/index.js';

// initWasm selects the WASM backend; tests start from the reference and opt in per backend.
const wasm = await initWasm().then((b) => b, () => null);
setBackend(jsBackend);

/**
 * Every backend the op tests run on. Each op test loops over this list with the same table of
 * cases, so a new backend is added here once and is then checked against everything.
 */
export function backendsUnderTest(): Backend[] {
  return wasm ? [jsBackend, wasm] : [jsBackend];
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
