/**
 * Which storages the WASM backend keeps in its memory (`Backend.keepResident`): float32 arrays
 * large enough that copying them in and out of every kernel call costs something. A resident
 * block is freed when its storage is garbage-collected (FinalizationRegistry, which runs between
 * macrotasks, so a block outlives its storage by at most one turn of the event loop).
 */
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
