/**
 * The one definition of what the JS side and the WASM kernels (assembly/) must agree on: where
 * the job descriptor lives in shared memory, its fields and job kinds, the window struct's field
 * order, the memory's size limits, the optimizer kernels' flag bits. scripts/build-wasm.mjs evaluates this file and writes
 * assembly/layout.generated.ts from `wasmConstants()`, and the module exports every constant so
 * that `startWasm` checks the binary it loads against this file (`checkWasmLayout`): a stale
 * binary fails loudly instead of corrupting shared memory. Keep it free of imports: the build
 * runs it on its own.
 */

/** Pages (64 KiB) of the WASM memory at start and at most; larger operands stay on the JS kernels. */
export const INITIAL_PAGES = 64;
export const MAX_PAGES = 32768;

/** Byte address of the job descriptor (i32 words) that the calling thread writes and every thread reads. */
export const JOB_BASE = 1024;
export const JOB_WORDS = 96;
/** First byte of the heap's regions (operand cache, resident blocks, scratch, operands: heap.ts); below it, the job descriptor. */
export const SCRATCH_BASE = 65536;

/**
 * Weight-gradient chunks of a convolution job: each sums a fixed run of images into its own
 * partial, and the caller adds the partials in chunk order, so the result does not depend on
 * which thread took which chunk.
 */
export const CONV_GRAD_CHUNKS = 16;

/** A 2-D window's fields in the order they fill the job words from `F.win` (the `Win` struct in WASM). */
export const WINDOW_FIELDS = [
  'batch',
  'channels',
  'height',
  'width',
  'kernelH',
  'kernelW',
  'strideH',
  'strideW',
  'padH',
  'padW',
  'dilationH',
  'dilationW',
  'outH',
  'outW',
] as const;

const WIN = 32;
const AFTER_WIN = WIN + WINDOW_FIELDS.length;

/** Word index of each job descriptor field. */
export const F = {
  /** Generation (job tag) the workers sleep on; word 1 is unused. */
  gen: 0,
  kind: 2,
  threads: 3,
  /** GEMM: sizes, operand pointers with row/column strides, C and its row stride, per-thread scratch, batch strides. */
  m: 4,
  n: 5,
  k: 6,
  a: 7,
  rsA: 8,
  csA: 9,
  b: 10,
  rsB: 11,
  csB: 12,
  c: 13,
  ldc: 14,
  scratch: 15,
  batch: 16,
  aBatch: 17,
  bBatch: 18,
  cBatch: 19,
  /**
   * Where a column-split product packs A once for all threads (0: each slice packs its own);
   * planJob clears it when the product does not use it.
   */
  packedA: 24,
  /** Chunk scheduling (written by planJob): next chunk, chunks done, chunk count, GEMM slices. */
  next: 20,
  done: 21,
  total: 22,
  slices: 23,
  /** Window jobs: the window's fields (WINDOW_FIELDS) from `win`, then input, output and argmax pointers. */
  win: WIN,
  src: AFTER_WIN,
  dst: AFTER_WIN + 1,
  idx: AFTER_WIN + 2,
  /**
   * Convolution jobs (src = x, or dy for the input grad; dst = y, dx, or the weight-gradient
   * partials): output channels, weight, bias (or the bias-gradient partials; 0 for none),
   * per-thread area and its size in bytes, and dy for the weight gradient.
   */
  co: AFTER_WIN + 3,
  wt: AFTER_WIN + 4,
  bias: AFTER_WIN + 5,
  cols: AFTER_WIN + 6,
  colsBytes: AFTER_WIN + 7,
  dy: AFTER_WIN + 8,
  /**
   * Optimizer jobs: which step (OPTIMIZER), the length, the five array pointers in the order of
   * that step's kernel (0 for an unused one), its flag bits, then its float32 scalars (bits).
   */
  optKernel: AFTER_WIN + 9,
  optN: AFTER_WIN + 10,
  optPtr: AFTER_WIN + 11,
  optFlags: AFTER_WIN + 16,
  optArg: AFTER_WIN + 17,
} as const;

/** Scalars an optimizer job carries at most (Adam's nine). */
export const OPT_ARGS = 10;

/** The optimizer steps an optimizer job runs (KIND.optim), by number. */
export const OPTIMIZER = {
  sgd: 0,
  adam: 1,
  rmsprop: 2,
  adagrad: 3,
  adadelta: 4,
} as const;

/** Job kinds understood by `runJob`; `exit` tells workers to stop. */
export const KIND = {
  exit: -1,
  gemm: 1,
  im2col: 2,
  col2im: 3,
  maxPool2d: 4,
  convForward: 5,
  convWeightGrad: 6,
  convInputGrad: 7,
  optim: 8,
} as const;

/** Flag bits of the optimizer kernels' `flags` argument (assembly/optim.ts). */
export const OPTIM_FLAG = {
  maximize: 1,
  decay: 2,
  buf: 4,
  first: 8,
  nesterov: 16,
  decoupled: 32,
  amsgrad: 64,
  centered: 128,
} as const;

/** `rsA` -> `RS_A`, `convForward` -> `CONV_FORWARD`. */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Every shared integer constant under its name on the WASM side: fields as `KIND`, `RS_A`, ...,
 * job kinds as `KIND_GEMM`, ..., optimizer flags as `OPTIM_MAXIMIZE`, ..., and the scalars
 * above. The build emits exactly these.
 */
export function wasmConstants(): Record<string, number> {
  const out: Record<string, number> = { INITIAL_PAGES, MAX_PAGES, JOB_BASE, JOB_WORDS, SCRATCH_BASE, CONV_GRAD_CHUNKS };
  for (const [name, word] of Object.entries(F)) out[snake(name)] = word;
  for (const [name, kind] of Object.entries(KIND)) out[`KIND_${snake(name)}`] = kind;
  for (const [name, bit] of Object.entries(OPTIM_FLAG)) out[`OPTIM_${snake(name)}`] = bit;
  for (const [name, id] of Object.entries(OPTIMIZER)) out[`OPTIMIZER_${snake(name)}`] = id;
  if (Math.max(...Object.values(F)) >= JOB_WORDS || F.optArg + OPT_ARGS > JOB_WORDS)
    throw new Error('wasm layout: a job field lies past JOB_WORDS');
  if (JOB_BASE + JOB_WORDS * 4 > SCRATCH_BASE)
    throw new Error('wasm layout: the job descriptor overlaps the scratch area');
  return out;
}

/**
 * Throws unless the instantiated module was built from this layout: each constant of
 * `wasmConstants()` must be exported by the module as a global with the same value.
 */
export function checkWasmLayout(exports: Record<string, unknown>): void {
  const wrong: string[] = [];
  for (const [name, want] of Object.entries(wasmConstants())) {
    const g = exports[name];
    const got = g instanceof WebAssembly.Global ? (g.value as number) : undefined;
    if (got !== want) wrong.push(`${name} is ${got ?? 'missing'} in the module, ${want} in layout.ts`);
  }
  if (wrong.length) {
    throw new Error(
      `wasm: the kernels were built from another layout (rebuild with npm run build:wasm): ${wrong.join('; ')}`,
    );
  }
}
