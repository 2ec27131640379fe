import { recycle, type TypedArray } from './dtype.js';

/** Storages at least this long are findable from their buffer (see `storageOf`). */
export const TRACKED_MIN_LENGTH = 16384;

// Buffer → the Storage owning it (null when two storages share one buffer), so a backend that
// keeps copies of large operands (the WASM backend's weight cache) can check `version` for
// staleness. Only large storages are tracked: the lookup is not free, and small operands are
// cheaper to copy than to look up. The owner is kept on the buffer itself, under a symbol, so the
// two die together in a minor GC. A WeakMap keyed by the buffer is an ephemeron table, whose
// entries V8 clears only in full collections: every large tensor then outlived its last use until
// the next one, and a loop of 1024x1024 products cycled through 31 output buffers (120 MiB) instead
// of 15, which cost its GEMM 5-10% in first touches of cold memory.
const OWNER = Symbol('nabla.storage');
type OwnedBuffer = ArrayBufferLike & { [OWNER]?: Storage | null };

/** Typed-array memory shared by a tensor and its views; `version` counts in-place writes. */
export class Storage {
  version = 0;
  /** The elements; replaced only by `relocate`. */
  data: TypedArray;
  constructor(data: TypedArray) {
    this.data = data;
    if (data.length < TRACKED_MIN_LENGTH) return;
    const buffer = data.buffer as OwnedBuffer;
    const prev = buffer[OWNER];
    buffer[OWNER] = prev === undefined || prev === this ? this : null;
  }

  /**
   * Moves the elements into `data` (same type and length, e.g. a block of a backend's own
   * memory) and uses it from now on, as PyTorch's `share_memory_()` moves a storage: every tensor
   * on this storage follows; a typed array taken from `data` before keeps the old memory.
   */
  relocate(data: TypedArray): void {
    if (data.constructor !== this.data.constructor || data.length !== this.data.length)
      throw new TypeError(
        `Storage.relocate: needs a ${this.data.constructor.name} of ${this.data.length} elements, got a ${data.constructor.name} of ${data.length}`,
      );
    data.set(this.data as never);
    this.data = data;
  }
}

/** The Storage whose memory `view` lies in, if it is tracked (large) and exactly one owns it. */
export function storageOf(view: TypedArray): Storage | undefined {
  return (view.buffer as OwnedBuffer)[OWNER] ?? undefined;
}

/**
 * Hands the float32 memory of a storage nothing references any more to `allocate` for reuse
 * (see `recycle`), forgetting its owner so the storage the memory gets next is found by `storageOf`.
 */
export function reuseStorageData(data: Float32Array): void {
  // A short whole array was never tracked: skip the lookup (and `.buffer`, which makes V8
  // materialise an ArrayBuffer for a small on-heap array).
  if (data.length >= TRACKED_MIN_LENGTH) (data.buffer as OwnedBuffer)[OWNER] = undefined; // not `delete`: that would change the buffer's hidden class
  recycle(data);
}
