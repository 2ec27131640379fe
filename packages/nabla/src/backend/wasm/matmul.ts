import type { FloatArray } from '../../tensor/dtype.js';
import { storageOf, TRACKED_MIN_LENGTH, type Storage } from '../../tensor/storage.js';
import { matmul as jsMatmul } from '../js/matmul.js';
import type { Kernels } from '../kernels.js';
import type { WasmHeap } from './heap.js';
import { F, KIND } from './layout.js';
import type { ThreadPool } from './pool.js';

/** Below this many multiply-adds the copies into WASM memory cost more than the JS loop. */
const WASM_MIN_MACS = 2048;
/** Below this many multiply-adds waking workers costs more than it saves: one thread. */
const PARALLEL_MIN_MACS = 1 << 21;

/** Products with at most this many rows of A (per call) keep B cached: batch-1 / small-batch inference. */
const CACHE_MAX_ROWS = 16;
/** Smallest B (floats) worth caching; smaller ones copy in less time than the lookup saves. */
const CACHE_MIN_FLOATS = TRACKED_MIN_LENGTH;

interface CacheEntry {
  epoch: number;
  version: number;
  byteOffset: number;
  length: number;
  ptr: number;
}

/** What the kernels need from the running backend. */
export interface WasmContext {
  heap: WasmHeap;
  pool: ThreadPool;
  /** Threads kernels may use (the caller included); at most pool.size. */
  threads: number;
  /** The module's single-threaded GEMM (see assembly/gemm.ts), for small products. */
  gemm: GemmFn;
  /** Floats the module packs A into when the threads of one product share it (assembly/gemm.ts). */
  packedAFloats: (m: number, k: number) => number;
}

type GemmFn = (
  m: number,
  n: number,
  k: number,
  a: number,
  rsA: number,
  csA: number,
  b: number,
  rsB: number,
  csB: number,
  c: number,
  ldc: number,
  scratch: number,
) => void;

/**
 * Float32 batched GEMM in WASM (float64 and tiny products stay on the JS reference). Operands
 * are copied into the backend's memory, which is cheap next to the O(m·n·k) product, and every
 * transpose variant reaches the same packed micro-kernel through strides.
 */
export function makeMatmul(ctx: WasmContext): Kernels['matmul'] {
  const cache = new WeakMap<Storage, CacheEntry>();
  /**
   * B's address in the operand cache, copying it there if its storage changed (version) since:
   * at inference the weights stay put, so each product reads them without copying.
   */
  const cached = (x: Float32Array, len: number): number | null => {
    const st = storageOf(x);
    if (!st) return null;
    const heap = ctx.heap;
    const e = cache.get(st);
    if (
      e &&
      e.epoch === heap.cacheEpoch &&
      e.version === st.version &&
      e.byteOffset === x.byteOffset &&
      e.length === len
    )
      return e.ptr;
    const ptr = heap.cacheAlloc(len);
    if (ptr === null) return null;
    heap.f32.set(prefix(x, len), ptr >> 2);
    cache.set(st, { epoch: heap.cacheEpoch, version: st.version, byteOffset: x.byteOffset, length: len, ptr });
    return ptr;
  };
  return (a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride) => {
    const macs = batch * m * n * k;
    if (
      !(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) ||
      macs < WASM_MIN_MACS
    ) {
      jsMatmul(a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride);
      return;
    }
    const heap = ctx.heap;
    const aLen = (batch - 1) * aBatchStride + m * k;
    const bLen = (batch - 1) * bBatchStride + k * n;
    const threads = macs < PARALLEL_MIN_MACS ? 1 : ctx.threads;
    // A single product split by columns packs A once for every thread (planJob decides; assembly/index.ts).
    const packedLen = batch === 1 && threads > 1 && n >= m ? ctx.packedAFloats(m, k) : 0;
    if (!heap.fits(aLen + bLen + batch * m * n + packedLen)) {
      jsMatmul(a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride);
      return;
    }
    heap.reset();
    // Resident operands (parameters the optimizer keeps in WASM memory) are read where they are.
    const paResident = heap.residentAddress(a);
    const pa = paResident ?? heap.alloc(aLen);
    const pbResident =
      heap.residentAddress(b) ?? (batch * m <= CACHE_MAX_ROWS && bLen >= CACHE_MIN_FLOATS ? cached(b, bLen) : null);
    const pb = pbResident ?? heap.alloc(bLen);
    const pc = heap.alloc(batch * m * n);
    const packed = packedLen > 0 ? heap.alloc(packedLen) : 0;
    const f32 = heap.f32;
    if (paResident === null) f32.set(prefix(a, aLen), pa >> 2);
    if (pbResident === null) f32.set(prefix(b, bLen), pb >> 2);
    const rsA = transA ? 1 : k;
    const csA = transA ? m : 1;
    const rsB = transB ? 1 : n;
    const csB = transB ? k : 1;
    if (batch === 1 && macs < PARALLEL_MIN_MACS) {
      // Small single products (inference) skip the job descriptor and thread pool.
      ctx.gemm(m, n, k, pa, rsA, csA, pb, rsB, csB, pc, n, heap.scratchBase);
    } else {
      writeJob(heap.job, m, n, k, pa, rsA, csA, pb, rsB, csB, pc, batch, aBatchStride, bBatchStride, heap.scratchBase);
      heap.job[F.packedA] = packed;
      ctx.pool.run(threads);
    }
    out.set(heap.f32.subarray(pc >> 2, (pc >> 2) + batch * m * n));
  };
}

function writeJob(
  job: Int32Array,
  m: number,
  n: number,
  k: number,
  pa: number,
  rsA: number,
  csA: number,
  pb: number,
  rsB: number,
  csB: number,
  pc: number,
  batch: number,
  aBatchStride: number,
  bBatchStride: number,
  scratch: number,
): void {
  job[F.kind] = KIND.gemm;
  job[F.m] = m;
  job[F.n] = n;
  job[F.k] = k;
  job[F.a] = pa;
  job[F.rsA] = rsA;
  job[F.csA] = csA;
  job[F.b] = pb;
  job[F.rsB] = rsB;
  job[F.csB] = csB;
  job[F.c] = pc;
  job[F.ldc] = n;
  job[F.scratch] = scratch;
  job[F.batch] = batch;
  job[F.aBatch] = aBatchStride;
  job[F.bBatch] = bBatchStride;
  job[F.cBatch] = m * n;
}

function prefix(x: FloatArray, len: number): FloatArray {
  return x.length === len ? x : x.subarray(0, len);
}
