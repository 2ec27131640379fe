/**
 * Which storages the WASM backend keeps in its memory (`Backend.keepResident`): float32 arrays
 * large enough that copying them in and out of every kernel call costs something. A resident
 * block is freed when its storage is garbage-collected (FinalizationRegistry, which runs between
 * macrotasks, so a block outlives its storage by at most one turn of the event loop).
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type { Kernels } from '../kernels.js';
import type { Storage } from '../../tensor/storage.js';
import type { WasmHeap } from './heap.js';

/**
 * Shorter float32 storages stay in JS memory: their copies cost less than a block's bookkeeping.
 * Tests lower it so that small parameters take the resident path.
 */
export const residentMin = { floats: 1024 };

/** `keepResident` for `heap`: moves a suitable storage into a resident block, once. */
export function makeKeepResident(heap: WasmHeap): (storage: Storage) => void {
  const freed = new FinalizationRegistry<number>((at) => heap.residentFree(at));
  // Storages the heap had no room for: not asked again at every step.
  const declined = new WeakSet<Storage>();
  return (storage) => {
    const data = storage.data;
    if (!(data instanceof Float32Array) || data.length < residentMin.floats) return;
    if (declined.has(storage) || heap.residentAddress(data) !== null) return;
    const block = heap.residentAlloc(data.length);
    if (!block) {
      declined.add(storage);
      return;
    }
    storage.relocate(block);
    freed.register(storage, block.byteOffset);
  };
}

/**
 * `fill` for the WASM backend: float32 arrays in WASM memory (resident gradients, which zeroGrad
 * zeroes each step) are filled by the module; the JS engine stores into a shared buffer one
 * element at a time (~11x slower). Everything else keeps the engine's fill.
 */
export function makeFill(
  heap: WasmHeap,
  fillRange: (p: number, n: number, v: number) => void,
  fallback: Kernels['fill'],
): Kernels['fill'] {
  return (out: TypedArray, value: number, start: number, end: number) => {
    if (out instanceof Float32Array && heap.holds(out) && end > start)
      fillRange(out.byteOffset + start * 4, end - start, value);
    else fallback(out, value, start, end);
  };
}
