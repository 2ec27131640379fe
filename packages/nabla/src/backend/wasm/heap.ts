import { JOB_BASE, JOB_WORDS, MAX_PAGES, SCRATCH_BASE } from './layout.js';

const PAGE = 65536;
/** Size of the region that keeps copies of large, rarely changing operands (weights at inference). */
const CACHE_BYTES = 32 << 20;
/**
 * Most bytes of resident blocks (parameters and optimizer state kept in WASM memory); past it,
 * arrays stay in JS memory and kernels copy them in, so operands of large calls keep their room.
 */
export const RESIDENT_MAX_BYTES = 512 << 20;
/** The memory's maximum in bytes (layout.ts); larger operands stay on the JS kernels. */
const MAX_BYTES = MAX_PAGES * PAGE;

/** A block of the resident region: byte address and size (bytes, a multiple of 64). */
interface Block {
  at: number;
  bytes: number;
}

/**
 * The backend's view of its WASM memory, in regions from SCRATCH_BASE up:
 * - a fixed-size cache of operand copies (weights at inference);
 * - resident blocks: long-lived float32 arrays (parameters, optimizer state) that live here for
 *   good, so kernels read and update them in place (shared memory only: a private memory's
 *   buffer is replaced when it grows, which would cut them off);
 * - per-thread scratch, then an operand area that each kernel call reuses from the start.
 * Scratch and operands sit above the resident blocks and move up when those grow: they hold
 * nothing between calls. Memory only grows, to the largest call seen (its high-water mark).
 */
export class WasmHeap {
  f32: Float32Array;
  i32: Int32Array;
  /** The job descriptor words (see layout.ts). */
  job: Int32Array;
  private readonly cacheBase = SCRATCH_BASE;
  private cacheTop = SCRATCH_BASE;
  private readonly residentBase = SCRATCH_BASE + CACHE_BYTES;
  private residentTop = SCRATCH_BASE + CACHE_BYTES;
  private residentBytes = 0;
  /** Free resident blocks below residentTop, by address, never two adjacent. */
  private readonly free: Block[] = [];
  /** Size in floats of each live resident block, by byte address. */
  private readonly residentFloats = new Map<number, number>();
  /** Every buffer object this memory has had: views made before a growth keep the older ones. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private threads = 1;
  /** Byte address of thread 0's scratch (SCRATCH_BYTES per thread); moves when resident blocks grow. */
  scratchBase = SCRATCH_BASE + CACHE_BYTES;
  private operandBase = SCRATCH_BASE + CACHE_BYTES;
  private top = SCRATCH_BASE + CACHE_BYTES;
  /** Bumped whenever the cache region is emptied; cache entries remember the epoch they were made in. */
  cacheEpoch = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly scratchBytes: number,
  ) {
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.job = new Int32Array(memory.buffer, JOB_BASE, JOB_WORDS);
    this.buffers.add(memory.buffer);
  }

  /** Makes room for the scratch of `threads` threads; operand space starts after it. */
  setThreads(threads: number): void {
    this.threads = threads;
    this.place();
  }

  /** Lays scratch and operand space out above the resident blocks. */
  private place(): void {
    this.scratchBase = this.residentTop;
    this.operandBase = align(this.scratchBase + this.threads * this.scratchBytes);
    this.ensure(this.operandBase);
    this.top = this.operandBase;
  }

  /** Whether resident blocks can exist: only a shared memory keeps its buffer (and views) when it grows. */
  get residentCapable(): boolean {
    return typeof SharedArrayBuffer !== 'undefined' && this.memory.buffer instanceof SharedArrayBuffer;
  }

  /**
   * A resident block for `floats` float32 values (the block rounded up to 64 bytes, so the SIMD
   * kernels may write the lanes past `floats` as padding), or null past RESIDENT_MAX_BYTES or
   * without shared memory. The view stays valid for good: a shared memory never detaches its buffer.
   */
  residentAlloc(floats: number): Float32Array | null {
    const bytes = align(Math.max(1, floats) * 4);
    if (!this.residentCapable || this.residentBytes + bytes > RESIDENT_MAX_BYTES) return null;
    let at = -1;
    const i = this.free.findIndex((b) => b.bytes >= bytes);
    if (i >= 0) {
      const b = this.free[i];
      at = b.at;
      if (b.bytes === bytes) this.free.splice(i, 1);
      else this.free[i] = { at: b.at + bytes, bytes: b.bytes - bytes };
    } else {
      if (this.residentTop + bytes + this.threads * this.scratchBytes > MAX_BYTES) return null;
      at = this.residentTop;
      this.residentTop += bytes;
      this.place();
    }
    this.residentBytes += bytes;
    this.residentFloats.set(at, floats);
    return new Float32Array(this.memory.buffer, at, floats);
  }

  /** Returns the resident block at byte address `at` (from `residentAlloc`) to the free space. */
  residentFree(at: number): void {
    const floats = this.residentFloats.get(at);
    if (floats === undefined) throw new Error(`wasm heap: no resident block at ${at}`);
    this.residentFloats.delete(at);
    let block: Block = { at, bytes: align(Math.max(1, floats) * 4) };
    this.residentBytes -= block.bytes;
    let i = this.free.findIndex((b) => b.at > at);
    if (i < 0) i = this.free.length;
    const next = this.free[i];
    if (next && block.at + block.bytes === next.at) {
      block = { at: block.at, bytes: block.bytes + next.bytes };
      this.free.splice(i, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.at + prev.bytes === block.at) {
      block = { at: prev.at, bytes: prev.bytes + block.bytes };
      this.free.splice(--i, 1);
    }
    if (block.at + block.bytes === this.residentTop) {
      // The top block shrinks the region: scratch and operands move down into it.
      this.residentTop = block.at;
      this.place();
    } else {
      this.free.splice(i, 0, block);
    }
  }

  /**
   * The byte address of `x` when it is exactly one whole resident block (so the kernels may read
   * and write it in place, padding included), else null.
   */
  residentAddress(x: Float32Array): number | null {
    if (!this.holds(x)) return null;
    return this.residentFloats.get(x.byteOffset) === x.length ? x.byteOffset : null;
  }

  /** Whether `x` lies in this memory (any view of it, from before a growth too). */
  holds(x: ArrayBufferView): boolean {
    return this.buffers.has(x.buffer);
  }

  /** Bytes held by resident blocks, and the free space between them (for tests and diagnostics). */
  residentUsage(): { bytes: number; freeBlocks: number } {
    return { bytes: this.residentBytes, freeBlocks: this.free.length };
  }

  /** Empties the operand cache (every entry made before becomes invalid). */
  clearCache(): void {
    this.cacheTop = this.cacheBase;
    this.cacheEpoch++;
  }

  /**
   * Reserves `floats` slots in the operand cache, emptying it first when full; null when the
   * block could never fit. The cache is a fixed region, so it never grows memory.
   */
  cacheAlloc(floats: number): number | null {
    const bytes = align(floats * 4);
    if (bytes > CACHE_BYTES) return null;
    if (this.cacheTop + bytes > this.residentBase) this.clearCache();
    const at = this.cacheTop;
    this.cacheTop += bytes;
    return at;
  }

  /** Whether operands totalling `floats` (in up to 4 blocks) fit below the memory's maximum. */
  fits(floats: number): boolean {
    return this.operandBase + floats * 4 + 4 * 64 <= MAX_BYTES;
  }

  /** Starts a kernel call: all operand space is free again. */
  reset(): void {
    this.top = this.operandBase;
  }

  /** Reserves `floats` f32 slots (64-byte aligned) and returns their byte address. */
  alloc(floats: number): number {
    const at = this.top;
    this.top = align(at + floats * 4);
    this.ensure(this.top);
    return at;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    // Growth replaces memory.buffer (a shared buffer is never detached, a private one is).
    if (this.f32.buffer !== this.memory.buffer) {
      this.buffers.add(this.memory.buffer);
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
      this.job = new Int32Array(this.memory.buffer, JOB_BASE, JOB_WORDS);
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
