import { JOB_BASE, JOB_WORDS, MAX_PAGES, SCRATCH_BASE } from './layout.js';

const PAGE = 65536;
/** Size of the region that keeps copies of large, rarely changing operands (weights at inference). */
const CACHE_BYTES = 32 << 20;
/** The memory's maximum in bytes (layout.ts); larger operands stay on the JS kernels. */
const MAX_BYTES = MAX_PAGES * PAGE;

/**
 * The backend's view of its WASM memory: per-thread scratch at a fixed place, a fixed-size cache
 * of operand copies, then an operand area that each kernel call reuses from the start. Memory only grows to the largest call seen
 * (its high-water mark) and is never handed to the user, so nothing needs disposing.
 */
export class WasmHeap {
  f32: Float32Array;
  i32: Int32Array;
  /** The job descriptor words (see layout.ts). */
  job: Int32Array;
  private operandBase = SCRATCH_BASE;
  private top = SCRATCH_BASE;
  private cacheBase = SCRATCH_BASE;
  private cacheTop = SCRATCH_BASE;
  /** Bumped whenever the cache region is emptied; cache entries remember the epoch they were made in. */
  cacheEpoch = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly scratchBytes: number,
  ) {
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.job = new Int32Array(memory.buffer, JOB_BASE, JOB_WORDS);
  }

  /** Makes room for scratch of `threads` threads, then the operand cache; operand space starts after it. */
  setThreads(threads: number): void {
    this.cacheBase = align(SCRATCH_BASE + threads * this.scratchBytes);
    this.operandBase = this.cacheBase + CACHE_BYTES;
    this.ensure(this.operandBase);
    this.top = this.operandBase;
    this.clearCache();
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
    if (this.cacheTop + bytes > this.operandBase) this.clearCache();
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
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
      this.job = new Int32Array(this.memory.buffer, JOB_BASE, JOB_WORDS);
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
