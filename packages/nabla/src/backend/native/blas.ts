/**
 * Loads the platform BLAS at run time through koffi (an optional dependency with prebuilt
 * binaries): OpenBLAS, MKL, BLIS or Accelerate, whichever loads first. Node only; the browser
 * entry never reaches this file.
 */
import type { FloatArray } from '../../tensor/dtype.js';

/** A loaded BLAS: its GEMMs (row-major CBLAS) and what it says about itself. */
export interface Blas {
  /** 'OpenBLAS', 'MKL', 'BLIS' or 'Accelerate'. */
  readonly library: string;
  /** The file (or name) that loaded. */
  readonly path: string;
  /** OpenBLAS's kernel (`openblas_get_corename`), null where the library does not say. */
  readonly corename: string | null;
  /** OpenBLAS's build string (`openblas_get_config`), or null. */
  readonly config: string | null;
  /**
   * `c = alpha·op(a)·op(b) + beta·c` on row-major matrices of the arrays' element type (float32
   * uses sgemm, float64 dgemm); views are passed as pointers to their first element, not copied.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: FloatArray,
    lda: number,
    b: FloatArray,
    ldb: number,
    beta: number,
    c: FloatArray,
    ldc: number,
  ): void;
  /**
   * `y = op(a)·x` with `a` a row-major `rows × cols` matrix (leading dimension `lda`) and `x`, `y`
   * contiguous vectors (sgemv/dgemv by the element type): GEMM with one row or column, which
   * OpenBLAS 0.3.21's sgemm runs 4-9× slower (it packs the whole matrix for one product row).
   */
  gemv(trans: boolean, rows: number, cols: number, a: FloatArray, lda: number, x: FloatArray, y: FloatArray): void;
  /**
   * `a += x·yᵀ` on a row-major `rows × cols` matrix (leading dimension `lda`), x and y contiguous
   * (sger/dger by the element type). With x all ones it adds y to every row, each element
   * rounded once, exactly as an elementwise add: `fma(1, y, a)` is `a + y` rounded.
   */
  ger(rows: number, cols: number, x: FloatArray, y: FloatArray, a: FloatArray, lda: number): void;
  /** Sets the library's thread count (no-op where it has no such call). */
  setThreads(threads: number): void;
  /** The library's thread count, or null where it cannot tell. */
  threads(): number | null;
}

interface Candidate {
  library: string;
  path: string;
}

type Fn = (...args: unknown[]) => unknown;
interface Lib {
  func(definition: string): Fn;
}
interface Koffi {
  load(path: string): Lib;
}

/** Where each library lives, in the order they are tried (first OpenBLAS, the one CI installs). */
export function defaultCandidates(platform: string = process.platform, arch: string = process.arch): Candidate[] {
  if (platform === 'darwin') {
    return [
      { library: 'OpenBLAS', path: '/opt/homebrew/opt/openblas/lib/libopenblas.dylib' },
      { library: 'OpenBLAS', path: '/usr/local/opt/openblas/lib/libopenblas.dylib' },
      { library: 'Accelerate', path: '/System/Library/Frameworks/Accelerate.framework/Accelerate' },
    ];
  }
  if (platform === 'win32')
    return [
      { library: 'OpenBLAS', path: 'libopenblas.dll' },
      { library: 'MKL', path: 'mkl_rt.2.dll' },
    ];
  const triplet = arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const lib = `/usr/lib/${triplet}`;
  return [
    { library: 'OpenBLAS', path: 'libopenblas.so.0' },
    { library: 'OpenBLAS', path: `${lib}/openblas-pthread/libopenblas.so.0` },
    { library: 'OpenBLAS', path: `${lib}/openblas-openmp/libopenblas.so.0` },
    { library: 'OpenBLAS', path: `${lib}/libopenblas.so.0` },
    { library: 'MKL', path: 'libmkl_rt.so' },
    { library: 'MKL', path: 'libmkl_rt.so.2' },
    { library: 'BLIS', path: 'libblis.so.4' },
    { library: 'BLIS', path: `${lib}/blis-pthread/libblis.so.4` },
    { library: 'BLIS', path: `${lib}/blis-openmp/libblis.so.4` },
  ];
}

/** Guesses the library from a file name given by the user (NABLA_BLAS or `paths`). */
function libraryOf(path: string): string {
  if (/mkl/i.test(path)) return 'MKL';
  if (/blis/i.test(path)) return 'BLIS';
  if (/accelerate/i.test(path)) return 'Accelerate';
  return 'OpenBLAS';
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  const line = s.split('\n')[0];
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

/** The optional function `definition` of `lib`, or null when the library lacks it. */
function optional(lib: Lib, definition: string): Fn | null {
  try {
    return lib.func(definition);
  } catch {
    return null;
  }
}

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

function bind(lib: Lib, c: Candidate): Blas {
  const gemmSig = (t: string, name: string): string =>
    `void ${name}(int, int, int, int, int, int, ${t}, const ${t} *, int, const ${t} *, int, ${t}, ${t} *, int)`;
  const sgemm = lib.func(gemmSig('float', 'cblas_sgemm'));
  const dgemm = lib.func(gemmSig('double', 'cblas_dgemm'));
  const gemvSig = (t: string, name: string): string =>
    `void ${name}(int, int, int, int, ${t}, const ${t} *, int, const ${t} *, int, ${t}, ${t} *, int)`;
  const sgemv = lib.func(gemvSig('float', 'cblas_sgemv'));
  const dgemv = lib.func(gemvSig('double', 'cblas_dgemv'));
  const gerSig = (t: string, name: string): string =>
    `void ${name}(int, int, int, ${t}, const ${t} *, int, const ${t} *, int, ${t} *, int)`;
  const sger = lib.func(gerSig('float', 'cblas_sger'));
  const dger = lib.func(gerSig('double', 'cblas_dger'));
  const str = (name: string): string | null => {
    const f = optional(lib, `const char *${name}()`);
    const v = f ? f() : null;
    return typeof v === 'string' ? v.trim() : null;
  };
  const set =
    optional(lib, 'void openblas_set_num_threads(int)') ??
    optional(lib, 'void MKL_Set_Num_Threads(int)') ??
    optional(lib, 'void bli_thread_set_num_threads(int64_t)');
  const get =
    optional(lib, 'int openblas_get_num_threads()') ??
    optional(lib, 'int MKL_Get_Max_Threads()') ??
    optional(lib, 'int64_t bli_thread_get_num_threads()');
  // OpenBLAS threads a GEMV (and GER) from 9216 matrix elements on, where waking its threads costs more
  // than it saves: 256x784 takes 14.3 us wall on 2 threads vs 8.7 on 1, 1024x1024 69 vs 59; only
  // from ~4M elements (1024x4096: 126 vs 265) do threads pay. Below that the call runs on one
  // thread (setting the count down and back only changes a variable once the threads exist).
  const threadedGemvMin = 1 << 22;
  // A GEMM below 2^24 multiply-adds runs on one thread too. In a training step the second thread
  // sits between GEMMs yielding its core to V8's GC threads, and a small GEMM then waits for it:
  // LeNet-5's 120x64x400 weight gradient took 0.93 ms on 2 threads against 0.06 on 1 (kernel profile,
  // npm run bench -- --profile), and its whole step ran 25-37% faster with every GEMM below this on
  // one thread (three paired runs of bench/nabla-runner.ts native --threads 2), the MLP's unchanged.
  // In a tight loop of fresh products 2 threads break even at about this size (128x256x512: 117
  // vs 120 GFLOP/s; 64x400x120: 143 vs 119) and pull ahead above it (768^3: 174 vs 271).
  const threadedGemmMin = 1 << 24;
  let current = get ? null : 1;
  const threadCount = (): number => {
    if (current === null) {
      const v = get ? get() : 1;
      current = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 1;
    }
    return current;
  };
  const oneThread = c.library === 'OpenBLAS' && set !== null;
  return {
    library: c.library,
    path: c.path,
    corename: str('openblas_get_corename'),
    config: str('openblas_get_config'),
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, out, ldc) {
      const f = out instanceof Float64Array ? dgemm : sgemm;
      const threads = oneThread && m * n * k < threadedGemmMin ? threadCount() : 1;
      if (threads > 1) set!(1);
      f(
        ROW_MAJOR,
        transA ? TRANS : NO_TRANS,
        transB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        alpha,
        a,
        lda,
        b,
        ldb,
        beta,
        out,
        ldc,
      );
      if (threads > 1) set!(threads);
    },
    gemv(trans, rows, cols, a, lda, x, y) {
      const f = y instanceof Float64Array ? dgemv : sgemv;
      const threads = oneThread && rows * cols < threadedGemvMin ? threadCount() : 1;
      if (threads > 1) set!(1);
      f(ROW_MAJOR, trans ? TRANS : NO_TRANS, rows, cols, 1, a, lda, x, 1, 0, y, 1);
      if (threads > 1) set!(threads);
    },
    ger(rows, cols, x, y, a, lda) {
      const f = a instanceof Float64Array ? dger : sger;
      const threads = oneThread && rows * cols < threadedGemvMin ? threadCount() : 1;
      if (threads > 1) set!(1);
      f(ROW_MAJOR, rows, cols, 1, x, 1, y, 1, a, lda);
      if (threads > 1) set!(threads);
    },
    setThreads(threads) {
      if (set) set(c.library === 'BLIS' ? BigInt(threads) : threads);
      current = null;
    },
    threads() {
      const v = get ? get() : null;
      return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : null;
    },
  };
}

/** Result of `loadBlas`: the library, or the reason none loaded (one line). */
export type BlasResult = { blas: Blas; reason: null } | { blas: null; reason: string };

/**
 * Loads the first BLAS of `paths` (default: $NABLA_BLAS, else the platform's usual places) that
 * has `cblas_sgemm` and `cblas_dgemm`; never throws.
 * @example
 * const { blas, reason } = await loadBlas();
 * console.log(blas ? `${blas.library} ${blas.corename ?? ''}` : reason);
 */
export async function loadBlas(paths?: readonly string[]): Promise<BlasResult> {
  let koffi: Koffi;
  try {
    const mod = (await import('koffi')) as unknown as { default?: Koffi } & Koffi;
    koffi = mod.default ?? mod;
  } catch (e) {
    return { blas: null, reason: `koffi (the FFI, an optional dependency) does not load: ${firstLine(e)}` };
  }
  const env = typeof process !== 'undefined' ? process.env.NABLA_BLAS : undefined;
  const given = paths ?? (env ? env.split(':').filter(Boolean) : null);
  const candidates = given ? given.map((path) => ({ library: libraryOf(path), path })) : defaultCandidates();
  const failures: string[] = [];
  for (const c of candidates) {
    let lib: Lib;
    try {
      lib = koffi.load(c.path);
    } catch (e) {
      failures.push(given ? `${c.path} (${firstLine(e)})` : c.path);
      continue;
    }
    try {
      return { blas: bind(lib, c), reason: null };
    } catch (e) {
      failures.push(`${c.path} (no CBLAS GEMM: ${firstLine(e)})`);
    }
  }
  const hint = given ? '' : '; install one, e.g. scripts/install-openblas.sh (Debian libopenblas0-pthread)';
  return { blas: null, reason: `no BLAS library loads: tried ${failures.join(', ')}${hint}` };
}
