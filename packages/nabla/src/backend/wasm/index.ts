/**
 * The WASM backend: SIMD kernels (relaxed-SIMD fused multiply-add where the engine has it),
 * split across worker threads over shared memory for large products. Kernels it does not
 * accelerate are the JS reference's, so it always has the full kernel table.
 *
 * Instantiation is asynchronous, kernels are synchronous: `startWasm()` instantiates once;
 * `initWasm()` in ../index.ts also selects it, after which `setBackend('wasm' | 'js')` switches.
 */
import { jsBackend } from '../js/index.js';
import type { Backend } from '../kernels.js';
import * as binaries from './binary.generated.js';
import { makeActivationKernels, type ActivationExports } from './activation.js';
import { makeOptimKernels, type OptimExports } from './optim.js';
import { makeFill, makeKeepResident } from './resident.js';
import { binary, copy, scatterAdd, where } from './js-elementwise.js';
import { WasmHeap } from './heap.js';
import { checkWasmLayout, INITIAL_PAGES, JOB_BASE, MAX_PAGES } from './layout.js';
import { makeConvKernels } from './conv.js';
import { makeMatmul, type WasmContext } from './matmul.js';
import { makeWindowKernels } from './window.js';
import { ThreadPool, type SpawnWorker, type WorkerHandle } from './pool.js';

/** Options of `initWasm`. */
export interface WasmOptions {
  /** Threads kernels may use, the calling thread included; defaults to the machine's cores. */
  threads?: number;
  /** Set false to use plain SIMD even where relaxed SIMD is available. */
  relaxedSimd?: boolean;
}

/** What `initWasm` found and chose. */
export interface WasmInfo {
  relaxedSimd: boolean;
  sharedMemory: boolean;
  threads: number;
}

interface WasmState extends WasmContext {
  backend: Backend;
  info: WasmInfo;
  module: WebAssembly.Module;
  spawn: SpawnWorker | null;
  workers: WorkerHandle[];
}

let state: WasmState | null = null;
let pending: Promise<WasmState> | null = null;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return g.crossOriginIsolated !== false;
}

/** How the pool starts threads outside a browser: Node's worker_threads, handed in by `nabla/node`. */
export interface HostThreads {
  spawn: SpawnWorker;
  cores: number;
}

let hostThreads: HostThreads | null = null;

/**
 * Gives the WASM pool a way to start threads where Web Workers are missing (Node). `nabla/node`
 * calls it with worker_threads before it starts WASM; the browser entry never reaches any `node:`
 * module this way, with any bundler's default settings. Without it, Node runs WASM on one thread.
 */
export function setHostThreads(threads: HostThreads): void {
  hostThreads = threads;
}

async function threadSupport(): Promise<HostThreads | null> {
  if (hostThreads) return hostThreads;
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined') return null;
  const m = await import('./threads-web.js');
  return { spawn: m.spawnWorker, cores: m.cores() };
}

async function create(options: WasmOptions): Promise<WasmState> {
  const shared = sharedMemoryUsable();
  const relaxedBytes = decode(shared ? binaries.relaxedShared : binaries.relaxedPrivate);
  const relaxedSimd = options.relaxedSimd !== false && WebAssembly.validate(relaxedBytes);
  const bytes = relaxedSimd ? relaxedBytes : decode(shared ? binaries.simdShared : binaries.simdPrivate);
  if (!WebAssembly.validate(bytes))
    throw new Error('initWasm: this engine lacks WebAssembly SIMD; the js backend stays in use');
  const module = await WebAssembly.compile(bytes);
  const memory = new WebAssembly.Memory({
    initial: INITIAL_PAGES,
    maximum: MAX_PAGES,
    shared,
  } as WebAssembly.MemoryDescriptor);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  checkWasmLayout(instance.exports);
  const exports = instance.exports as unknown as ActivationExports &
    OptimExports & {
      planJob(job: number, tag: number): void;
      runJob(job: number, tid: number, tag: number): void;
      gemm: WasmContext['gemm'];
      packedAFloats: WasmContext['packedAFloats'];
      SCRATCH_BYTES: WebAssembly.Global;
      convAreaBytes(job: number): number;
      fillRange(p: number, n: number, v: number): void;
    };
  const heap = new WasmHeap(memory, exports.SCRATCH_BYTES.value as number);
  const threadsApi = shared ? await threadSupport() : null;
  const workers: WorkerHandle[] = [];
  const pool = new ThreadPool(heap, workers, exports.planJob, exports.runJob);
  const info: WasmInfo = { relaxedSimd, sharedMemory: shared, threads: 1 };
  const s: WasmState = {
    heap,
    pool,
    threads: 1,
    gemm: exports.gemm,
    packedAFloats: exports.packedAFloats,
    info,
    module,
    spawn: threadsApi?.spawn ?? null,
    workers,
    backend: jsBackend,
  };
  s.backend = {
    ...jsBackend,
    name: 'wasm',
    matmul: makeMatmul(s),
    ...makeWindowKernels(s),
    conv2d: makeConvKernels(s, exports.convAreaBytes),
    binary,
    copy,
    where,
    scatterAdd,
    ...makeActivationKernels(heap, exports),
    optim: makeOptimKernels(s, exports),
    fill: makeFill(heap, exports.fillRange, jsBackend.fill),
    ...(heap.residentCapable ? { keepResident: makeKeepResident(heap) } : {}),
  };
  heap.setThreads(1);
  await resize(s, options.threads ?? threadsApi?.cores ?? 1);
  return s;
}

/** Starts workers up to `threads - 1` (never stops any: fewer threads simply leaves some idle). */
async function resize(s: WasmState, threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`wasm threads must be a positive integer, got ${threads}`);
  const want = s.spawn ? threads : 1;
  s.heap.setThreads(Math.max(want, s.pool.size));
  const spawn = s.spawn;
  if (spawn && s.pool.size < want) {
    // Started together: each takes a while to load and instantiate (much longer from the .ts sources).
    const first = s.pool.size;
    const started = await Promise.allSettled(
      Array.from({ length: want - first }, (_, i) =>
        spawn({ module: s.module, memory: s.heap.memory, job: JOB_BASE, tid: first + i, spin: 20000 }),
      ),
    );
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      // Thread ids must stay contiguous: keep none of this batch.
      for (const r of started) if (r.status === 'fulfilled') r.value.terminate();
      throw failed.reason;
    }
    for (const r of started) if (r.status === 'fulfilled') s.workers.push(r.value);
  }
  s.threads = want;
  s.info.threads = want;
}

/**
 * Instantiates the WASM backend once (later calls return the same backend, resized to
 * `options.threads` when given). Rejects where the engine lacks WebAssembly SIMD.
 * @example
 * const wasm = await startWasm({ threads: 2 });
 */
export async function startWasm(options: WasmOptions = {}): Promise<Backend> {
  pending ??= create(options);
  try {
    state = await pending;
  } catch (e) {
    pending = null;
    throw e;
  }
  if (options.threads !== undefined) await resize(state, options.threads);
  return state.backend;
}

/** The WASM backend if `initWasm` has completed, else null. */
export function wasmBackend(): Backend | null {
  return state?.backend ?? null;
}

/** Features and thread count of the running WASM backend, or null before `initWasm`. */
export function wasmInfo(): WasmInfo | null {
  return state ? { ...state.info } : null;
}

/**
 * Sets how many threads (the caller included) WASM kernels use; starts workers if needed.
 * @example
 * await setNumThreads(1); // single-threaded kernels
 */
export async function setNumThreads(threads: number): Promise<void> {
  if (!state) throw new Error('setNumThreads: call await initWasm() first (the WASM backend is not started)');
  await resize(state, threads);
}
