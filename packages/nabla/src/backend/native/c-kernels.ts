/**
 * nabla's own compiled kernels (native/kernels.c, built at install by scripts/build-native.mjs)
 * loaded through koffi: optimizer steps, ReLU, im2col/col2im and a convolution's bias, run on the
 * tensors' own memory. The WASM kernels copy every operand into their heap and back, which costs
 * more than the arithmetic for these memory-bound loops (an SGD step over 400k weights: ~8x).
 * Each kernel gives the bits of the JavaScript reference; float64 and small arrays stay on the
 * kernels underneath. Node only.
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { adamScalars } from '../js/optim.js';
import type { Backend, BinaryOp, ConvWindow, Strided, Window2d } from '../kernels.js';

type Fn = (...args: unknown[]) => unknown;
interface Lib {
  func(definition: string): Fn;
}
interface Koffi {
  load(path: string): Lib;
}

/** The loaded library's kernels (float32, contiguous arrays). */
export interface CKernels {
  /** The file that loaded. */
  readonly path: string;
  /** The widest vectors the kernels use on this CPU: 512, 256 or 128 bits. */
  readonly vectorBits: number;
  readonly fns: Record<string, Fn>;
}

/** The interface version native/kernels.c reports (`nabla_kernels_version`). */
const VERSION = 2;

/** Below this many elements the call (~1 µs through koffi) costs more than the JS loop it replaces. */
const MIN_ELEMENTS = 2048;

const SIGNATURES = [
  'int nabla_kernels_version()',
  'int nabla_kernels_vector_bits()',
  'int nabla_set_threads(int threads)',
  'int nabla_advise_huge(void *p, int64_t bytes)',
  'int nabla_threads()',
  'int nabla_set_blas(const char *path)',
  'int nabla_has_blas()',
  'int nabla_conv2d_gemm_forward(const float *x, const float *weight, const float *bias, float *out, const int32_t *geometry, int64_t co, int64_t chunk)',
  'int nabla_conv2d_gemm_weight_grad(const float *dy, const float *x, float *dw, const int32_t *geometry, int64_t co, int64_t chunk)',
  'int nabla_conv2d_gemm_input_grad(const float *dy, const float *weight, float *dx, const int32_t *geometry, int64_t co, int64_t chunk)',
  'void nabla_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)',
  'void nabla_sgd_momentum(float *p, const float *g, float *b, int64_t n, double mom, double damp, double negLr)',
  'void nabla_sgd(float *p, const float *g, float *b, int64_t n, double wd, double mom, double damp, double negLr, int flags)',
  'void nabla_adam(float *p, const float *g, float *m, float *v, float *vmax, int64_t n, double b1, double b2, double omb1, double omb2, double negStep, double bc2Sqrt, double eps, double wd, double shrink, int flags)',
  'void nabla_adam_plain(float *p, const float *g, float *m, float *v, int64_t n, double b1, double b2, double omb1, double omb2, double negStep, double bc2Sqrt, double eps)',
  'void nabla_rmsprop(float *p, const float *g, float *sq, float *buf, float *ga, int64_t n, double alpha, double oma, double eps, double wd, double mom, double negLr, int flags)',
  'void nabla_adagrad(float *p, const float *g, float *sum, int64_t n, double negClr, double eps, double wd, int flags)',
  'void nabla_adadelta(float *p, const float *g, float *v, float *u, int64_t n, double rho, double omr, double eps, double wd, double negLr, int flags)',
  'void nabla_binary(int op, const float *a, const float *b, float *out, int64_t n)',
  'void nabla_relu(const float *x, float *out, int64_t n)',
  'void nabla_relu_backward(const float *y, const float *dy, float *out, int64_t n)',
  'void nabla_add_channel_bias(float *out, const float *bias, int64_t planes, int64_t channels, int64_t plane)',
  'void nabla_channel_sums(const float *dy, float *db, int64_t batch, int64_t channels, int64_t plane)',
  'void nabla_im2col(const float *x, float *cols, const int32_t *geometry)',
  'void nabla_col2im(const float *cols, float *x, const int32_t *geometry)',
  'void nabla_im2col_wide(const float *x, float *cols, const int32_t *geometry)',
  'void nabla_channels_to_batch(const float *src, float *dst, const float *bias, int64_t batch, int64_t channels, int64_t L)',
  'void nabla_batch_to_channels(const float *src, float *dst, int64_t batch, int64_t channels, int64_t L)',
  'void nabla_sum(const float *x, float *out, int64_t outer, int64_t size, int64_t inner, double *acc)',
  'void nabla_max_pool2d(const float *x, float *out, int32_t *indices, const int32_t *geometry)',
  'void nabla_scatter_add(const float *src, const int32_t *index, float *out, int64_t outer, int64_t outSize, int64_t idxSize, int64_t inner)',
  'void nabla_conv2d_thin_forward(const float *x, const float *weight, const float *bias, float *out, const int32_t *geometry, int64_t co)',
  'void nabla_conv2d_thin_weight_grad(const float *dy, const float *x, float *dw, const int32_t *geometry, int64_t co)',
  'void nabla_bernoulli_mask(uint32_t *state, float *out, int64_t n, double keep, float value)',
  'void nabla_channel_moments(const float *x, double *mean, double *variance, int64_t outer, int64_t channels, int64_t inner)',
  'void nabla_channel_grad_sums(const float *dy, const float *x, const double *mean, double *sumDy, double *sumDyXc, int64_t outer, int64_t channels, int64_t inner)',
  'void nabla_channel_affine(const float *x, const float *y, const double *a, const double *b, const double *d, float *out, int64_t outer, int64_t channels, int64_t inner)',
];

/** Result of `loadCKernels`: the kernels, or why they are not there (one line). */
export type CKernelsResult = { kernels: CKernels; reason: null } | { kernels: null; reason: string };

/** Where build-native.mjs puts the library: packages/nabla/build/native, three levels above this file in src/ or dist/. */
function defaultPath(): string {
  const ext = process.platform === 'darwin' ? 'dylib' : 'so';
  return new URL(`../../../build/native/libnabla-kernels.${ext}`, import.meta.url).pathname;
}

/**
 * Loads the compiled kernels ($NABLA_KERNELS or the build's output); never throws.
 * NABLA_NATIVE_KERNELS=0 turns them off (the WASM kernels then run these loops).
 */
export async function loadCKernels(): Promise<CKernelsResult> {
  if (process.env.NABLA_NATIVE_KERNELS === '0') return { kernels: null, reason: 'turned off (NABLA_NATIVE_KERNELS=0)' };
  let path: string;
  try {
    path = process.env.NABLA_KERNELS || defaultPath();
  } catch (e) {
    return { kernels: null, reason: `no library path (${(e as Error).message})` };
  }
  try {
    const mod = (await import('koffi')) as unknown as { default?: Koffi } & Koffi;
    const koffi = mod.default ?? mod;
    const lib = koffi.load(path);
    const fns: Record<string, Fn> = {};
    for (const sig of SIGNATURES) {
      const name = /\b(nabla_\w+)\(/.exec(sig)?.[1] as string;
      fns[name] = lib.func(sig);
    }
    const version = fns.nabla_kernels_version() as number;
    if (version !== VERSION)
      return { kernels: null, reason: `${path} is version ${version}, not ${VERSION}: rebuild (npm run build)` };
    return { kernels: { path, vectorBits: fns.nabla_kernels_vector_bits() as number, fns }, reason: null };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return {
      kernels: null,
      reason: `${path} does not load (${msg.slice(0, 120)}); a C compiler at install builds it (scripts/build-native.mjs)`,
    };
  }
}

/** The compiled elementwise operations (`nabla_binary`'s op codes). */
const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/** Whether `s` is `shape` laid out densely (row-major, no broadcast axis). */
function dense(s: Strided, shape: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && s.strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

/** Whether dense `x` (n elements) is exactly `out` or shares no byte with it: elementwise kernels may write as they read. */
function sameOrApart(x: Strided, out: Float32Array, n: number): boolean {
  if (x.data.buffer !== out.buffer) return true;
  const start = x.data.byteOffset + x.offset * 4;
  return start === out.byteOffset || start + n * 4 <= out.byteOffset || out.byteOffset + n * 4 <= start;
}

/** From `x`'s offset on, without a new view when the offset is 0. */
const at = (x: Strided): Float32Array =>
  (x.offset === 0 ? x.data : (x.data as Float32Array).subarray(x.offset)) as Float32Array;

/** True when every array given is float32 (nulls skipped): what the compiled kernels take. */
export const f32 = (...xs: (FloatArray | null)[]): boolean => xs.every((x) => x === null || x instanceof Float32Array);

const MAXIMIZE = 1;
const DECAY = 2;
const BUF = 4;
const FIRST = 8;
const NESTEROV = 16;
const DECOUPLED = 32;
const AMSGRAD = 64;
const CENTERED = 128;

const fr = Math.fround;

/** The window as the 14 int32 words kernels.c reads (Window2d's field order). */
function geometry(w: Window2d): Int32Array {
  return Int32Array.of(
    w.batch,
    w.channels,
    w.height,
    w.width,
    w.kernelH,
    w.kernelW,
    w.strideH,
    w.strideW,
    w.padH,
    w.padW,
    w.dilationH,
    w.dilationW,
    w.outH,
    w.outW,
  );
}

/**
 * `base` with its optimizer steps, ReLU, float32 sums, im2col/col2im, max pooling, scatter-add, batch norm's channel kernels and dropout masks on the compiled kernels for float32
 * arrays of at least MIN_ELEMENTS; everything else, and other dtypes, on `base`.
 */
export function withCKernels(base: Backend, c: CKernels): Backend {
  const k = c.fns;
  const o = base.optim;
  /** The float64 column accumulators of `sum`, kept between calls. */
  let acc = new Float64Array(1024);
  /** `op` on the compiled kernels when both operands are dense float32 of the output's shape. */
  const binary = (op: keyof typeof BINARY_CODES): Backend['binary'][BinaryOp] => {
    const fallback = base.binary[op];
    const code = BINARY_CODES[op];
    return (a, b, out, shape) => {
      if (
        out.length >= MIN_ELEMENTS &&
        out instanceof Float32Array &&
        a.data instanceof Float32Array &&
        b.data instanceof Float32Array &&
        dense(a, shape) &&
        dense(b, shape) &&
        sameOrApart(a, out, out.length) &&
        sameOrApart(b, out, out.length)
      )
        k.nabla_binary(code, at(a), at(b), out, out.length);
      else fallback(a, b, out, shape);
    };
  };
  return {
    ...base,
    binary: { ...base.binary, add: binary('add'), sub: binary('sub'), mul: binary('mul'), div: binary('div') },
    unary: {
      ...base.unary,
      relu: (x, out) => {
        if (out.length >= MIN_ELEMENTS && x instanceof Float32Array && out instanceof Float32Array)
          k.nabla_relu(x, out, out.length);
        else base.unary.relu(x, out);
      },
    },
    reluBackward: (y, dy, out) => {
      if (out.length >= MIN_ELEMENTS) k.nabla_relu_backward(y, dy, out, out.length);
      else if (base.reluBackward) base.reluBackward(y, dy, out);
      else for (let i = 0; i < out.length; i++) out[i] = y[i] <= 0 ? 0 : dy[i];
    },
    im2col: (x, cols, w) => {
      if (cols.length >= MIN_ELEMENTS && f32(x, cols)) k.nabla_im2col(x, cols, geometry(w));
      else base.im2col(x, cols, w);
    },
    col2im: (cols, x, w) => {
      if (x.length >= MIN_ELEMENTS && f32(x, cols)) k.nabla_col2im(cols, x, geometry(w));
      else base.col2im(cols, x, w);
    },
    reduce: {
      ...base.reduce,
      sum: (x, out, outer, size, inner) => {
        if (x.length < MIN_ELEMENTS || !(x instanceof Float32Array && out instanceof Float32Array))
          return base.reduce.sum(x, out, outer, size, inner);
        if (acc.length < inner) acc = new Float64Array(inner);
        k.nabla_sum(x, out, outer, size, inner, acc);
      },
    },
    maxPool2d: (x, out, indices, w) => {
      if (x.length >= MIN_ELEMENTS && f32(x, out)) k.nabla_max_pool2d(x, out, indices, geometry(w));
      else base.maxPool2d(x, out, indices, w);
    },
    scatterAdd: (src, index, out, outer, outSize, idxSize, inner) => {
      if (src.length >= MIN_ELEMENTS && src instanceof Float32Array && out instanceof Float32Array)
        k.nabla_scatter_add(src, index, out, outer, outSize, idxSize, inner);
      else base.scatterAdd(src, index, out, outer, outSize, idxSize, inner);
    },
    optim: {
      ...o,
      sgd(p, g, buf, first, h) {
        if (p.length < MIN_ELEMENTS || !f32(p, g, buf)) return o.sgd(p, g, buf, first, h);
        if (buf && !first && h.weightDecay === 0 && !h.nesterov && !h.maximize) {
          k.nabla_sgd_momentum(p, g, buf, p.length, fr(h.momentum), fr(1 - h.dampening), fr(-h.lr));
          return;
        }
        const flags =
          (h.maximize ? MAXIMIZE : 0) |
          (h.weightDecay !== 0 ? DECAY : 0) |
          (buf ? BUF : 0) |
          (first ? FIRST : 0) |
          (h.nesterov ? NESTEROV : 0);
        k.nabla_sgd(p, g, buf, p.length, fr(h.weightDecay), fr(h.momentum), fr(1 - h.dampening), fr(-h.lr), flags);
      },
      adam(p, g, m, v, vMax, step, h, decoupled) {
        if (p.length < MIN_ELEMENTS || !f32(p, g, m, v, vMax)) return o.adam(p, g, m, v, vMax, step, h, decoupled);
        const s = adamScalars(true, step, h);
        if (!decoupled && h.weightDecay === 0 && !vMax && !h.maximize) {
          k.nabla_adam_plain(p, g, m, v, p.length, s.b1, s.b2, s.oneMinusB1, s.oneMinusB2, s.negStep, s.bc2Sqrt, s.eps);
          return;
        }
        const flags =
          (h.maximize ? MAXIMIZE : 0) |
          (decoupled ? DECOUPLED : h.weightDecay !== 0 ? DECAY : 0) |
          (vMax ? AMSGRAD : 0);
        k.nabla_adam(
          p,
          g,
          m,
          v,
          vMax,
          p.length,
          s.b1,
          s.b2,
          s.oneMinusB1,
          s.oneMinusB2,
          s.negStep,
          s.bc2Sqrt,
          s.eps,
          s.wd,
          s.shrink,
          flags,
        );
      },
      rmsprop(p, g, sq, buf, gradAvg, h) {
        if (p.length < MIN_ELEMENTS || !f32(p, g, sq, buf, gradAvg)) return o.rmsprop(p, g, sq, buf, gradAvg, h);
        const flags =
          (h.maximize ? MAXIMIZE : 0) | (h.weightDecay !== 0 ? DECAY : 0) | (buf ? BUF : 0) | (gradAvg ? CENTERED : 0);
        k.nabla_rmsprop(
          p,
          g,
          sq,
          buf,
          gradAvg,
          p.length,
          fr(h.alpha),
          fr(1 - h.alpha),
          fr(h.eps),
          fr(h.weightDecay),
          fr(h.momentum),
          fr(-h.lr),
          flags,
        );
      },
      adagrad(p, g, sum, step, h) {
        if (p.length < MIN_ELEMENTS || !f32(p, g, sum)) return o.adagrad(p, g, sum, step, h);
        const negClr = fr(-(h.lr / (1 + (step - 1) * h.lrDecay)));
        const flags = (h.maximize ? MAXIMIZE : 0) | (h.weightDecay !== 0 ? DECAY : 0);
        k.nabla_adagrad(p, g, sum, p.length, negClr, fr(h.eps), fr(h.weightDecay), flags);
      },
      adadelta(p, g, v, u, h) {
        if (p.length < MIN_ELEMENTS || !f32(p, g, v, u)) return o.adadelta(p, g, v, u, h);
        const flags = (h.maximize ? MAXIMIZE : 0) | (h.weightDecay !== 0 ? DECAY : 0);
        k.nabla_adadelta(
          p,
          g,
          v,
          u,
          p.length,
          fr(h.rho),
          fr(1 - h.rho),
          fr(h.eps),
          fr(h.weightDecay),
          fr(-h.lr),
          flags,
        );
      },
    },
    channelMoments: (x, mean, variance, outer, channels, inner) => {
      if (x.length >= MIN_ELEMENTS && x instanceof Float32Array)
        k.nabla_channel_moments(x, mean, variance, outer, channels, inner);
      else base.channelMoments(x, mean, variance, outer, channels, inner);
    },
    channelGradSums: (dy, x, mean, sumDy, sumDyXc, outer, channels, inner) => {
      if (x.length >= MIN_ELEMENTS && f32(dy, x))
        k.nabla_channel_grad_sums(dy, x, mean, sumDy, sumDyXc, outer, channels, inner);
      else base.channelGradSums(dy, x, mean, sumDy, sumDyXc, outer, channels, inner);
    },
    channelAffine: (x, y, a, b, d, out, outer, channels, inner) => {
      if (out.length >= MIN_ELEMENTS && f32(x, y, out))
        k.nabla_channel_affine(x, y, a, b, d, out, outer, channels, inner);
      else base.channelAffine(x, y, a, b, d, out, outer, channels, inner);
    },
    random: {
      ...base.random,
      bernoulliMask: (state, out, keep, value) => {
        if (out.length >= MIN_ELEMENTS && out instanceof Float32Array)
          k.nabla_bernoulli_mask(state, out, out.length, keep, value);
        else base.random.bernoulliMask(state, out, keep, value);
      },
    },
  };
}

/** What native/conv.ts runs on the compiled kernels: a conv's bias and the layout of its wide GEMMs. */
export interface ConvKernels {
  /** `out[n, c, :] += bias[c]` over `planes` = batch·channels planes of `plane` elements. */
  addChannelBias(out: Float32Array, bias: Float32Array, planes: number, channels: number, plane: number): void;
  /** `db[c] = Σ dy[n, c, :]` summed in float64. */
  channelSums(dy: Float32Array, db: Float32Array, batch: number, channels: number, plane: number): void;
  /** im2col of `w.batch` images into one `[channels·kH·kW, batch·L]` matrix. */
  im2colWide(x: Float32Array, cols: Float32Array, w: Window2d): void;
  /** `[channels, batch·L]` → `[batch, channels, L]`, plus `bias[c]` when given. */
  channelsToBatch(
    src: Float32Array,
    dst: Float32Array,
    bias: Float32Array | null,
    batch: number,
    channels: number,
    L: number,
  ): void;
  /** `[batch, channels, L]` → `[channels, batch·L]` (a gradient in the wide GEMM's layout). */
  batchToChannels(src: Float32Array, dst: Float32Array, batch: number, channels: number, L: number): void;
  /** Direct convolution (groups 1) for a short window: `out = conv(x, weight) + bias`. */
  thinForward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array, w: ConvWindow): void;
  /** Its weight gradient: `dw = Σ dy ⊗ x` over images and positions (overwritten). */
  thinWeightGrad(dy: Float32Array, x: Float32Array, dw: Float32Array, w: ConvWindow): void;
  /**
   * Unfolding + GEMM with chunks of `chunk` images spread over the thread pool, each unfolded and
   * multiplied on one thread (native/kernels.c); null where the compiled kernels have no BLAS
   * (pool.ts did not find it). Each returns false when its scratch memory did not allocate.
   */
  readonly gemm: {
    /** `out = conv(x, weight) + bias`. */
    forward(
      x: Float32Array,
      weight: Float32Array,
      bias: Float32Array | null,
      out: Float32Array,
      w: ConvWindow,
      chunk: number,
    ): boolean;
    /** `dw = Σ dy · colsᵀ` (overwritten). */
    weightGrad(dy: Float32Array, x: Float32Array, dw: Float32Array, w: ConvWindow, chunk: number): boolean;
    /** `dx = col2im(weightᵀ · dy)` (overwritten). */
    inputGrad(dy: Float32Array, weight: Float32Array, dx: Float32Array, w: ConvWindow, chunk: number): boolean;
  } | null;
}

/** The convolution kernels of `c`. */
export function convKernels(c: CKernels): ConvKernels {
  const k = c.fns;
  return {
    addChannelBias: (out, bias, planes, channels, plane) =>
      k.nabla_add_channel_bias(out, bias, planes, channels, plane),
    channelSums: (dy, db, batch, channels, plane) => k.nabla_channel_sums(dy, db, batch, channels, plane),
    im2colWide: (x, cols, w) => k.nabla_im2col_wide(x, cols, geometry(w)),
    channelsToBatch: (src, dst, bias, batch, channels, L) =>
      k.nabla_channels_to_batch(src, dst, bias, batch, channels, L),
    batchToChannels: (src, dst, batch, channels, L) => k.nabla_batch_to_channels(src, dst, batch, channels, L),
    thinForward: (x, weight, bias, out, w) =>
      k.nabla_conv2d_thin_forward(x, weight, bias, out, geometry(w), w.outChannels),
    thinWeightGrad: (dy, x, dw, w) => k.nabla_conv2d_thin_weight_grad(dy, x, dw, geometry(w), w.outChannels),
    gemm:
      k.nabla_has_blas() === 1
        ? {
            forward: (x, weight, bias, out, w, chunk) =>
              k.nabla_conv2d_gemm_forward(x, weight, bias, out, geometry(w), w.outChannels, chunk) === 0,
            weightGrad: (dy, x, dw, w, chunk) =>
              k.nabla_conv2d_gemm_weight_grad(dy, x, dw, geometry(w), w.outChannels, chunk) === 0,
            inputGrad: (dy, weight, dx, w, chunk) =>
              k.nabla_conv2d_gemm_input_grad(dy, weight, dx, geometry(w), w.outChannels, chunk) === 0,
          }
        : null,
  };
}
