import { JOB_BASE, JOB_WORDS, SCRATCH_BASE } from './job.js';

const PAGE = 65536;

/**
 * The backend's view of its WASM memory: per-thread scratch at a fixed place, then an operand
 * area that each kernel call reuses from the start. Memory only grows to the largest call seen
 * (its high-water mark) and is never handed to the user, so nothing needs disposing.
 */
export class WasmHeap {
  f32: Float32Array;
  i32: Int32Array;
  /** The job descriptor words (see job.ts). */
  job: Int32Array;
  private operandBase = SCRATCH_BASE;
  private top = SCRATCH_BASE;

  constructor(readonly memory: WebAssembly.Memory, readonly scratchBytes: number) {
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.job = new Int32Array(memory.buffer, JOB_BASE, JOB_WORDS);
  }

  /** Makes room for scratch of `threads` threads; operand space starts after it. */
  setThreads(threads: number): void {
    this.operandBase = align(SCRATCH_BASE + threads * this.scratchBytes);
    this.ensure(this.operandBase);
    this.top = this.operandBase;
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
