import { DTypeError } from './errors.js';
import { nearestName } from './options.js';

/** Element types a tensor can hold. `float32` is the default; `int32` holds labels and indices. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype nabla has, the default first. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/**
 * What to say for dtype names PyTorch users type: the nabla name when there is one, otherwise
 * what to use instead.
 */
const DTYPE_HINTS: Record<string, string> = {
  float: "did you mean 'float32' (torch.float)?",
  double: "did you mean 'float64' (torch.double)?",
  int: "did you mean 'int32' (torch.int)?",
  boolean: "did you mean 'bool'?",
  int64: "nabla has no int64: 'int32' holds integers (labels, indices) up to 2^31 - 1, and y.long() gives int32",
  long: "nabla has no int64: 'int32' holds integers (labels, indices) up to 2^31 - 1, and y.long() gives int32",
  int8: "nabla's one integer dtype is 'int32'",
  int16: "nabla's one integer dtype is 'int32'",
  short: "nabla's one integer dtype is 'int32'",
  uint8: "nabla's one integer dtype is 'int32' ('bool' for masks)",
  byte: "nabla's one integer dtype is 'int32' ('bool' for masks)",
  float16: "nabla has no 16-bit floats: use 'float32'",
  half: "nabla has no 16-bit floats: use 'float32'",
  bfloat16: "nabla has no 16-bit floats: use 'float32'",
  complex64: 'nabla has no complex dtypes',
  complex128: 'nabla has no complex dtypes',
  cfloat: 'nabla has no complex dtypes',
  cdouble: 'nabla has no complex dtypes',
};

/**
 * Returns `dtype` if it is one of nabla's dtypes, else throws a `DTypeError` that names it, the
 * valid dtypes and, for PyTorch's names (`'double'`, `'int64'`, `'torch.float16'`), what to use.
 * Strings reach the library untyped from JavaScript, JSON and `as` casts; without this check an
 * unknown one would make a corrupt bool tensor.
 * @example
 * checkDType('float64', 'tensor()'); // 'float64'
 */
export function checkDType(dtype: unknown, owner: string): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  const valid = `nabla's dtypes are ${DTYPES.join(', ')}`;
  if (typeof dtype !== 'string') {
    throw new DTypeError(`${owner}: dtype must be a string (${valid}), got ${describe(dtype)}`);
  }
  const bare = dtype.replace(/^torch\./, '');
  const hint =
    DTYPE_HINTS[bare] ??
    ((DTYPES as readonly string[]).includes(bare) ? `did you mean '${bare}'?` : undefined) ??
    nearestDType(bare);
  throw new DTypeError(`${owner}: unknown dtype '${dtype}'; ${valid}${hint ? `; ${hint}` : ''}`);
}

function nearestDType(name: string): string | undefined {
  const near = nearestName(name, DTYPES);
  return near === undefined ? undefined : `did you mean '${near}'?`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** The values each integer dtype holds. */
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Throws a `DTypeError` unless the number `value` fits `dtype` when stored there: for int32,
 * a finite value whose integer part (`1.5` stores as 1, as `torch.tensor([1.5], dtype=torch.int32)`)
 * lies in [-2^31, 2^31 - 1]. PyTorch raises "value cannot be converted to type int32 without
 * overflow" for the others (3e9, NaN, Infinity); a typed array would silently wrap them.
 * Float and bool dtypes take any number.
 */
export function checkValueFits(value: number, dtype: DType, what: string): void {
  if (dtype !== 'int32') return;
  const whole = Math.trunc(value);
  if (!(whole >= INT32_MIN && whole <= INT32_MAX)) {
    throw new DTypeError(
      `${what}: ${value} cannot be converted to int32 without overflow (int32 holds integers in [${INT32_MIN}, ${INT32_MAX}]); use dtype 'float64' for larger values`,
    );
  }
}

export type FloatArray = Float32Array | Float64Array;
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

// Float32 buffers handed back by `recycle` (gradients backward knows are dead, see the contracts
// in autograd/graph.ts): the next training step allocates the same sizes again, and reusing them
// spares fresh memory's page faults and the garbage collections that megabytes of new buffers per
// step trigger. A buffer handed back while something still views it would be overwritten by its
// next owner: wrong numbers a step later. The debug mode below turns that into NaN and an error.
const RECYCLE_MIN = 1 << 12;
const RECYCLE_PER_SIZE = 2;
const RECYCLE_MAX_BYTES = 64 << 20;
const recycled = new Map<number, Float32Array[]>();
let recycledBytes = 0;

/**
 * Hands a float32 buffer nothing references any more back for reuse by `allocate`. Only for
 * buffers the caller owns outright (no tensor, view or user can still reach them).
 */
export function recycle(data: Float32Array): void {
  if (debugRecycling) {
    // Poisoned and kept out of the pool: a view that outlived the buffer reads NaN, and ops that
    // meet it throw (see isRecycled), instead of silently reading the next owner's numbers.
    data.fill(NaN);
    const ranges = poisoned.get(data.buffer) ?? [];
    ranges.push([data.byteOffset, data.byteOffset + data.byteLength]);
    poisoned.set(data.buffer, ranges);
    return;
  }
  if (data.length < RECYCLE_MIN || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) return;
  if (recycledBytes + data.byteLength > RECYCLE_MAX_BYTES) return;
  const list = recycled.get(data.length) ?? [];
  if (list.length >= RECYCLE_PER_SIZE) return;
  list.push(data);
  recycled.set(data.length, list);
  recycledBytes += data.byteLength;
}

let debugRecycling = readDebugEnv();
// Byte ranges handed back per buffer (a small array's buffer is a slab that other arrays share).
const poisoned = new WeakMap<ArrayBufferLike, [number, number][]>();

function readDebugEnv(): boolean {
  const env = typeof process !== 'undefined' ? process.env?.NABLA_DEBUG : undefined;
  return (env ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('recycle');
}

/**
 * Debug mode for recycled gradient buffers (also on with the environment variable
 * `NABLA_DEBUG=recycle`): every buffer backward hands back is filled with NaN and never reused,
 * ops that read one throw, and backward checks that a gradient a rule marked exclusive shares
 * memory with nothing the rule can still reach. Slower (no reuse); for testing backward rules.
 * @example
 * setDebugRecycling(true);
 * // ... run training steps: a rule that kept a view of its exclusive gradient now throws
 * setDebugRecycling(false);
 */
export function setDebugRecycling(enabled: boolean): void {
  debugRecycling = enabled;
  if (enabled) {
    recycled.clear();
    recycledBytes = 0;
  }
}

export function isDebugRecycling(): boolean {
  return debugRecycling;
}

/** Whether `data`'s memory was handed back by backward while debug recycling was on. */
export function isRecycled(data: TypedArray): boolean {
  const ranges = poisoned.get(data.buffer);
  if (!ranges) return false;
  const [start, end] = [data.byteOffset, data.byteOffset + data.byteLength];
  return ranges.some(([s, e]) => start < e && s < end);
}

// Small arrays come from shared slabs. V8 keeps a typed array of up to 64 bytes on its own heap,
// but a larger one gets a backing store of its own (calloc, an ArrayBuffer extension the GC
// tracks and frees): ~1 µs each, where a view into a slab is ~20 ns. A batch-1 forward pass is
// made of such arrays (a 256-unit layer's output is 1 KiB): the bench's 784-256-256-10 inference
// went from 32-35 to 23 µs. As with Node's Buffer pool (8 KiB, for up to 4 KiB), a live view keeps
// its whole slab alive; the pooled sizes are small, so a kept array pins at most SLAB_BYTES.
// Slab memory is never handed out twice, so it arrives zeroed.
const SLAB_BYTES = 8192;
const POOLED_MAX_BYTES = 2048;
const V8_ON_HEAP_MAX_BYTES = 64;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

/** The next `bytes` (a multiple of 16, at most POOLED_MAX_BYTES) of the current slab, starting a new slab when it is full. */
function slabOffset(bytes: number): number {
  if (slabUsed + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += bytes;
  return at;
}

/** Whether an array of `bytes` comes from a slab. */
const pooled = (bytes: number): boolean => bytes > V8_ON_HEAP_MAX_BYTES && bytes <= POOLED_MAX_BYTES;
const rounded = (bytes: number): number => (bytes + 15) & ~15;

// Arrays of at least `largeBytes` are handed to `onLarge` before anything writes them (the native
// backend asks the kernel for huge pages there: native/memory.c).
let largeBytes = Number.POSITIVE_INFINITY;
let onLarge: (data: TypedArray) => void = () => {};

/**
 * @internal Calls `hook` with every fresh array of at least `bytes` bytes, before its first write;
 * `null` stops it. Set by the native backend.
 */
export function setLargeArrayHook(bytes: number, hook: ((data: TypedArray) => void) | null): void {
  largeBytes = hook ? bytes : Number.POSITIVE_INFINITY;
  onLarge = hook ?? (() => {});
}

/** `data`, after the large-array hook has seen it when it is large. */
function fresh<T extends TypedArray>(data: T): T {
  if (data.byteLength >= largeBytes) onLarge(data);
  return data;
}

/** Allocates zeroed storage of `size` elements for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  // One `new` per constructor: a table lookup made this call site megamorphic (~10% of small ops).
  switch (dtype) {
    case 'float32': {
      if (pooled(size * 4)) {
        const at = slabOffset(rounded(size * 4)); // first: it may start a new slab
        return new Float32Array(slab, at, size);
      }
      const reused = size >= RECYCLE_MIN ? recycled.get(size)?.pop() : undefined;
      if (!reused) return fresh(new Float32Array(size));
      recycledBytes -= reused.byteLength;
      return reused.fill(0);
    }
    case 'float64':
      if (pooled(size * 8)) {
        const at = slabOffset(rounded(size * 8)); // first: it may start a new slab
        return new Float64Array(slab, at, size);
      }
      return fresh(new Float64Array(size));
    case 'int32':
      if (pooled(size * 4)) {
        const at = slabOffset(rounded(size * 4)); // first: it may start a new slab
        return new Int32Array(slab, at, size);
      }
      return fresh(new Int32Array(size));
    case 'bool':
      if (pooled(size)) {
        const at = slabOffset(rounded(size)); // first: it may start a new slab
        return new Uint8Array(slab, at, size);
      }
      return fresh(new Uint8Array(size));
    default:
      // An unchecked string from JavaScript or JSON; entry points check first with a better owner.
      return checkDType(dtype, 'allocate') as never;
  }
}

/**
 * Node's `Buffer.allocUnsafeSlow`, found on the global object (so the browser entry imports
 * nothing): memory that is not zero-filled first. `new Float32Array(n)` clears every byte, and
 * for the fresh activations and gradients of a training step that memset is most of what the
 * allocation costs.
 */
const allocUnsafeSlow = (globalThis as { Buffer?: { allocUnsafeSlow?: (bytes: number) => Uint8Array } }).Buffer
  ?.allocUnsafeSlow;

/** A float32 array with arbitrary contents (Node), or a zeroed one (browsers, or below 4 KiB). */
function unzeroedFloat32(size: number): Float32Array {
  if (!allocUnsafeSlow || size < 1024) return new Float32Array(size);
  const bytes = allocUnsafeSlow(size * 4);
  return fresh(new Float32Array(bytes.buffer, bytes.byteOffset, size));
}

/**
 * Storage of `size` elements that the caller's kernel overwrites entirely (a matmul product, a
 * ReLU gradient): as `allocate`, except that a recycled float32 buffer is handed out as it is,
 * without zeroing it first (a memset of the whole buffer per training step: 1.6 MB for a 784x512
 * weight gradient). Never for kernels that accumulate into their output.
 */
export function allocateOverwritten(dtype: DType, size: number): TypedArray {
  if (dtype !== 'float32' || size < RECYCLE_MIN) return allocate(dtype, size);
  const reused = recycled.get(size)?.pop();
  if (!reused) return unzeroedFloat32(size);
  recycledBytes -= reused.byteLength;
  return reused;
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** PyTorch-style type promotion for two operands (bool < int32 < float32 < float64). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The floating type an op like `exp` or `div` produces from `dtype`. */
export function toFloating(dtype: DType): DType {
  return isFloating(dtype) ? dtype : 'float32';
}
