/** Web Worker entry: trains on a message and posts the result back. */
import { train } from './train.js';

const scope = globalThis as unknown as {
  onmessage: (() => void) | null;
  postMessage(value: unknown): void;
};
scope.onmessage = () => {
  train().then(
    (result) => scope.postMessage(result),
    (e: Error) => scope.postMessage({ error: String(e.stack ?? e) }),
  );
};
