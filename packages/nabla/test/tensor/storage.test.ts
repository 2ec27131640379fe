import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Storage, storageOf, TRACKED_MIN_LENGTH } from '../../src/tensor/storage.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

describe('storageOf', () => {
  it('finds the one storage that owns a large buffer, from any view of it', () => {
    const s = new Storage(new Float32Array(TRACKED_MIN_LENGTH * 2));
    assert.equal(storageOf(s.data), s);
    assert.equal(storageOf(s.data.subarray(5)), s);
  });

  it('finds none for a buffer two storages share, or for a small one', () => {
    const data = new Float32Array(TRACKED_MIN_LENGTH * 2);
    new Storage(data.subarray(0, TRACKED_MIN_LENGTH));
    new Storage(data.subarray(TRACKED_MIN_LENGTH));
    assert.equal(storageOf(data), undefined);
    assert.equal(storageOf(new Storage(new Float32Array(16)).data), undefined);
  });

  it('does not keep a dropped storage or its buffer past a minor GC', async () => {
    // Ownership kept in a WeakMap keyed by the buffer lasted until a full GC (V8 clears
    // ephemeron entries only there), so large training activations piled up between full GCs.
    // Minor GCs do not clear WeakRefs either, so this watches the memory of array buffers.
    const bytes = 4 << 20; // 32 MiB in all: below the external memory that makes V8 collect on its own
    const held = (): number => process.memoryUsage().arrayBuffers;
    const before = held();
    for (let i = 0; i < 8; i++) new Storage(new Float32Array(bytes / 4));
    assert.ok(held() - before >= 8 * bytes);
    gc({ type: 'minor' });
    // Backing stores are freed by a sweeper that may finish on a background thread.
    for (let i = 0; i < 50 && held() - before >= bytes; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(held() - before < bytes, `${((held() - before) / 2 ** 20).toFixed(0)} MiB still held`);
  });
});
