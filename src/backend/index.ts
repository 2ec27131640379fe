import type { Backend } from './kernels.js';
import { jsBackend } from './js/index.js';

export type { Backend, Kernels, Strided, UnaryOp, BinaryOp, ReduceOp, ArgReduceOp, Window2d } from './kernels.js';

let current: Backend = jsBackend;

/** The backend that runs kernels now. */
export function getBackend(): Backend {
  return current;
}

/**
 * Chooses the backend that runs every following kernel. Ops and autograd are unchanged; only
 * the kernels differ.
 * @example
 * import { setBackend, jsBackend } from 'nabla';
 * setBackend(jsBackend);
 */
export function setBackend(backend: Backend): void {
  current = backend;
}

export { jsBackend };
