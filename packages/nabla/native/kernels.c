/*
 * nabla's native float32 kernels: the element loops the native backend runs next to the platform
 * BLAS, called through koffi on the tensors' own memory (no copies in or out, which is what the
 * WASM kernels pay in Node). Built at install by scripts/build-native.mjs; optional: without it
 * the native backend runs these loops on the WASM kernels.
 *
 * Every kernel gives the bits of the JavaScript reference (src/backend/js): a JS number is a
 * double and Math.fround rounds to float32, so each expression below is the reference's
 * expression in double, with RD() where it rounds. Built with -ffp-contract=off (no fused
 * multiply-add) and without -ffast-math, the compiler may vectorise but not reassociate.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>

#include "pool.h"

#define RD(x) ((double)(float)(x))

/* One copy per instruction set on x86-64 Linux (the loader picks at run time), so a build runs
 * on any x86-64 and still uses AVX-512 where the machine has it. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KERNEL
#endif

#define F_MAXIMIZE 1
#define F_DECAY 2
#define F_BUF 4
#define F_FIRST 8
#define F_NESTEROV 16
#define F_DECOUPLED 32
#define F_AMSGRAD 64
#define F_CENTERED 128

/** The library's interface version: the loader refuses a build of another version. */
int nabla_kernels_version(void) { return 2; }

/** The widest vectors the kernels use on this CPU (what target_clones' resolver picks): 512, 256 or 128 bits. */
int nabla_kernels_vector_bits(void) {
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 512;
  if (__builtin_cpu_supports("avx2")) return 256;
#endif
  return 128;
}

/* SGD with momentum, no decay, no Nesterov, not maximizing: the common case on its own loop. */
KERNEL static void sgd_momentum_serial(float *restrict p, const float *restrict g, float *restrict b, int64_t n, double mom,
                               double damp, double neg_lr) {
  if (damp == 1) {
    for (int64_t i = 0; i < n; i++) {
      const float bi = (float)(RD((double)b[i] * mom) + (double)g[i]);
      b[i] = bi;
      p[i] = (float)((double)bi * neg_lr + (double)p[i]);
    }
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    const float bi = (float)(RD((double)b[i] * mom) + (double)g[i] * damp);
    b[i] = bi;
    p[i] = (float)((double)bi * neg_lr + (double)p[i]);
  }
}

/* SGD, every option (js/optim.ts `sgd`). */
KERNEL void nabla_sgd(float *restrict p, const float *restrict g, float *restrict b, int64_t n, double wd, double mom,
                      double damp, double neg_lr, int flags) {
  const double sign = (flags & F_MAXIMIZE) ? -1.0 : 1.0;
  const int decay = flags & F_DECAY, use_buf = flags & F_BUF, first = flags & F_FIRST, nesterov = flags & F_NESTEROV;
  for (int64_t i = 0; i < n; i++) {
    double d = sign * (double)g[i];
    if (decay) d = RD((double)p[i] * wd + d);
    if (use_buf) {
      b[i] = first ? (float)d : (float)(RD((double)b[i] * mom) + d * damp);
      d = nesterov ? RD((double)b[i] * mom + d) : (double)b[i];
    }
    p[i] = (float)(d * neg_lr + (double)p[i]);
  }
}

/* Adam / AdamW (js/optim.ts `adam`); the scalars come rounded as adamScalars rounds them. */
KERNEL static void adam_serial(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                       float *restrict vmax, int64_t n, double b1, double b2, double one_minus_b1, double one_minus_b2,
                       double neg_step, double bc2_sqrt, double eps, double wd, double shrink, int flags) {
  const double sign = (flags & F_MAXIMIZE) ? -1.0 : 1.0;
  const int decoupled = flags & F_DECOUPLED, l2 = !decoupled && (flags & F_DECAY), ams = flags & F_AMSGRAD;
  for (int64_t i = 0; i < n; i++) {
    double d = sign * (double)g[i];
    if (decoupled) p[i] = (float)((double)p[i] * shrink);
    else if (l2) d = RD((double)p[i] * wd + d);
    m[i] = (float)(d * one_minus_b1 + RD((double)m[i] * b1));
    v[i] = (float)(RD((double)v[i] * b2) + RD(RD(one_minus_b2 * d) * d));
    float second = v[i];
    if (ams) {
      if (second > vmax[i] || second != second) vmax[i] = second; /* NaN propagates, as torch.maximum */
      second = vmax[i];
    }
    const double denom = RD(RD(RD(sqrt((double)second)) / bc2_sqrt) + eps);
    p[i] = (float)((double)p[i] + RD(RD(neg_step * (double)m[i]) / denom));
  }
}

/* The common Adam: no weight decay, no amsgrad, not maximizing. */
KERNEL static void adam_plain_serial(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, int64_t n,
                             double b1, double b2, double one_minus_b1, double one_minus_b2, double neg_step,
                             double bc2_sqrt, double eps) {
  for (int64_t i = 0; i < n; i++) {
    const double d = (double)g[i];
    const float mi = (float)(d * one_minus_b1 + RD((double)m[i] * b1));
    const float vi = (float)(RD((double)v[i] * b2) + RD(RD(one_minus_b2 * d) * d));
    m[i] = mi;
    v[i] = vi;
    const double denom = RD(RD(RD(sqrt((double)vi)) / bc2_sqrt) + eps);
    p[i] = (float)((double)p[i] + RD(RD(neg_step * (double)mi) / denom));
  }
}

/* RMSprop (js/optim.ts `rmsprop`). */
KERNEL void nabla_rmsprop(float *restrict p, const float *restrict g, float *restrict sq, float *restrict buf,
                          float *restrict ga, int64_t n, double alpha, double one_minus_alpha, double eps, double wd,
                          double mom, double neg_lr, int flags) {
  const double sign = (flags & F_MAXIMIZE) ? -1.0 : 1.0;
  const int decay = flags & F_DECAY, use_buf = flags & F_BUF, centered = flags & F_CENTERED;
  for (int64_t i = 0; i < n; i++) {
    double d = sign * (double)g[i];
    if (decay) d = RD((double)p[i] * wd + d);
    sq[i] = (float)(RD((double)sq[i] * alpha) + RD(RD(one_minus_alpha * d) * d));
    double avg;
    if (centered) {
      ga[i] = (float)(d * one_minus_alpha + RD((double)ga[i] * alpha));
      avg = RD(sqrt(RD((double)sq[i] + RD(-(double)ga[i] * (double)ga[i]))));
    } else {
      avg = RD(sqrt((double)sq[i]));
    }
    avg = RD(avg + eps);
    if (use_buf) {
      buf[i] = (float)(RD((double)buf[i] * mom) + RD(d / avg));
      p[i] = (float)((double)buf[i] * neg_lr + (double)p[i]);
    } else {
      p[i] = (float)((double)p[i] + RD(RD(neg_lr * d) / avg));
    }
  }
}

/* Adagrad (js/optim.ts `adagrad`). */
KERNEL void nabla_adagrad(float *restrict p, const float *restrict g, float *restrict sum, int64_t n, double neg_clr,
                          double eps, double wd, int flags) {
  const double sign = (flags & F_MAXIMIZE) ? -1.0 : 1.0;
  const int decay = flags & F_DECAY;
  for (int64_t i = 0; i < n; i++) {
    double d = sign * (double)g[i];
    if (decay) d = RD((double)p[i] * wd + d);
    sum[i] = (float)((double)sum[i] + RD(d * d));
    const double std = RD(RD(sqrt((double)sum[i])) + eps);
    p[i] = (float)((double)p[i] + RD(RD(neg_clr * d) / std));
  }
}

/* Adadelta (js/optim.ts `adadelta`). */
KERNEL void nabla_adadelta(float *restrict p, const float *restrict g, float *restrict v, float *restrict u, int64_t n,
                           double rho, double one_minus_rho, double eps, double wd, double neg_lr, int flags) {
  const double sign = (flags & F_MAXIMIZE) ? -1.0 : 1.0;
  const int decay = flags & F_DECAY;
  for (int64_t i = 0; i < n; i++) {
    double d = sign * (double)g[i];
    if (decay) d = RD(d + RD((double)p[i] * wd));
    v[i] = (float)(RD((double)v[i] * rho) + RD(RD(one_minus_rho * d) * d));
    const double std = RD(sqrt(RD((double)v[i] + eps)));
    const double delta = RD(RD(RD(sqrt(RD((double)u[i] + eps))) / std) * d);
    u[i] = (float)(RD((double)u[i] * rho) + RD(RD(one_minus_rho * delta) * delta));
    p[i] = (float)((double)p[i] + RD(neg_lr * delta));
  }
}

/* ReLU: x < 0 (and -0) give +0, NaN stays (as the reference's x > 0 ? x : 0 with NaN kept). */
KERNEL static void relu_serial(const float *restrict x, float *restrict out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    out[i] = (v > 0.0f || v != v) ? v : 0.0f;
  }
}

/* ReLU's backward: y <= 0 gives +0, else dy (a NaN y passes dy). */
KERNEL static void relu_backward_serial(const float *restrict y, const float *restrict dy, float *restrict out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = y[i] <= 0.0f ? 0.0f : dy[i];
}

/* `out[p][i] += bias[p % channels]` over `planes` planes of `plane` elements (a convolution's bias). */
KERNEL void nabla_add_channel_bias(float *restrict out, const float *restrict bias, int64_t planes, int64_t channels,
                                   int64_t plane) {
  for (int64_t p = 0; p < planes; p++) {
    const float b = bias[p % channels];
    float *o = out + p * plane;
    for (int64_t i = 0; i < plane; i++) o[i] += b;
  }
}

/* Per-channel sums in double of dy [batch, channels, plane] (a convolution's bias gradient), each
 * channel's in the reference's order (images, then positions). Up to eight channels are summed
 * side by side: one channel's chain of dependent additions ran at an addition's latency (LeNet-5's
 * first layer, 301k elements: ~0.4 ms). */
KERNEL static void channel_sums_serial(const float *restrict dy, float *restrict db, int64_t batch, int64_t channels,
                                       int64_t plane, int64_t c_begin, int64_t c_end) {
  for (int64_t c0 = c_begin; c0 < c_end; c0 += 8) {
    const int64_t lanes = c_end - c0 < 8 ? c_end - c0 : 8;
    double s[8] = {0};
    for (int64_t b = 0; b < batch; b++) {
      const float *d = dy + (b * channels + c0) * plane;
      for (int64_t i = 0; i < plane; i++)
        for (int64_t k = 0; k < lanes; k++) s[k] += (double)d[k * plane + i];
    }
    for (int64_t k = 0; k < lanes; k++) db[c0 + k] = (float)s[k];
  }
}

/* The window geometry, in the order of js/conv.ts's Window2d. */
typedef struct {
  int64_t batch, channels, height, width, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w,
      out_h, out_w;
} window2d;

static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/* Output columns [lo, hi) whose window column kj lands inside the input (js/conv.ts validColumns). */
static void valid_columns(const window2d *w, int64_t kj, int64_t *lo, int64_t *hi) {
  const int64_t shift = w->pad_w - kj * w->dilation_w;
  int64_t l = ceil_div(shift, w->stride_w);
  l = l < 0 ? 0 : l > w->out_w ? w->out_w : l;
  int64_t h = ceil_div(w->width + shift, w->stride_w);
  h = h > w->out_w ? w->out_w : h;
  *lo = l;
  *hi = h < l ? l : h;
}

static window2d window_of(const int32_t *g) {
  window2d w = {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13]};
  return w;
}

/* One run of out_w columns of an unfolded window row: zeros left of lo and from hi, the input's
 * strided row between (src points at output column 0's input position). */
static inline void unfold_row(float *restrict c, const float *restrict src, int64_t lo, int64_t hi, const window2d *w) {
  for (int64_t ow = 0; ow < lo; ow++) c[ow] = 0.0f;
  if (w->stride_w == 1)
    for (int64_t ow = lo; ow < hi; ow++) c[ow] = src[ow];
  else
    for (int64_t ow = lo; ow < hi; ow++) c[ow] = src[ow * w->stride_w];
  for (int64_t ow = hi; ow < w->out_w; ow++) c[ow] = 0.0f;
}

/* im2col (js/conv.ts): x [batch, channels, height, width] -> cols [batch, channels*kH*kW, outH*outW]. */
KERNEL static void im2col_serial(const float *restrict x, float *restrict cols, const int32_t *geometry) {
  const window2d w = window_of(geometry);
  float *c = cols;
  for (int64_t p = 0; p < w.batch * w.channels; p++) {
    const float *plane = x + p * w.height * w.width;
    for (int64_t ki = 0; ki < w.kernel_h; ki++) {
      for (int64_t kj = 0; kj < w.kernel_w; kj++) {
        int64_t lo, hi;
        valid_columns(&w, kj, &lo, &hi);
        for (int64_t oh = 0; oh < w.out_h; oh++, c += w.out_w) {
          const int64_t ih = oh * w.stride_h - w.pad_h + ki * w.dilation_h;
          if (ih < 0 || ih >= w.height) {
            memset(c, 0, (size_t)w.out_w * sizeof(float));
            continue;
          }
          unfold_row(c, plane + ih * w.width - w.pad_w + kj * w.dilation_w, lo, hi, &w);
        }
      }
    }
  }
}

/* col2im (js/conv.ts): the adjoint of im2col, overlapping windows added in the reference's order. */
KERNEL static void col2im_serial(const float *restrict cols, float *restrict x, const int32_t *geometry) {
  const window2d w = window_of(geometry);
  memset(x, 0, (size_t)(w.batch * w.channels * w.height * w.width) * sizeof(float));
  const float *c = cols;
  for (int64_t p = 0; p < w.batch * w.channels; p++) {
    float *plane = x + p * w.height * w.width;
    for (int64_t ki = 0; ki < w.kernel_h; ki++) {
      for (int64_t kj = 0; kj < w.kernel_w; kj++) {
        int64_t lo, hi;
        valid_columns(&w, kj, &lo, &hi);
        for (int64_t oh = 0; oh < w.out_h; oh++, c += w.out_w) {
          const int64_t ih = oh * w.stride_h - w.pad_h + ki * w.dilation_h;
          if (ih < 0 || ih >= w.height) continue;
          float *dst = plane + ih * w.width - w.pad_w + kj * w.dilation_w;
          for (int64_t ow = lo; ow < hi; ow++) dst[ow * w.stride_w] += c[ow];
        }
      }
    }
  }
}

/* Windows inside the plane (no padding or dilation, as in LeNet's and ResNet's 2x2/3x3 pools): the
 * plane's outputs as one flat loop whose window origins come from a table, each window element a
 * branch-free select, so random data costs no mispredicted branches (the general loop below spent
 * ~15 cycles per element on them) and the loop vectorises (gathers) even when a row of outputs is
 * shorter than a vector. The visiting order and the select keep the reference's choice: the first
 * maximum, the first NaN. `origin` has room for out_h * out_w entries. */
static inline __attribute__((always_inline)) void max_pool2d_inside(const float *restrict x, float *restrict out,
                                                                     int32_t *restrict indices, const window2d *w,
                                                                     int32_t *restrict origin) {
  const int64_t H = w->height, W = w->width, n = w->out_h * w->out_w;
  for (int64_t oh = 0; oh < w->out_h; oh++)
    for (int64_t ow = 0; ow < w->out_w; ow++) origin[oh * w->out_w + ow] = (int32_t)(oh * w->stride_h * W + ow * w->stride_w);
  for (int64_t p = 0; p < w->batch * w->channels; p++) {
    const float *restrict plane = x + p * H * W;
    float *restrict best = out + p * n;
    int32_t *restrict at = indices + p * n;
    for (int64_t j = 0; j < n; j++) {
      best[j] = -INFINITY;
      at[j] = origin[j];
    }
    for (int64_t kh = 0; kh < w->kernel_h; kh++) {
      for (int64_t kw = 0; kw < w->kernel_w; kw++) {
        const int32_t shift = (int32_t)(kh * W + kw);
        for (int64_t j = 0; j < n; j++) {
          const int32_t i = origin[j] + shift;
          const float v = plane[i];
          const float b = best[j];
          const int take = (v > b) | ((v != v) & (b == b));
          best[j] = take ? v : b;
          at[j] = take ? i : at[j];
        }
      }
    }
  }
}

/* Max pooling (js/pool.ts maxPool2d): the first maximum of each window (NaN wins), its flat index
 * within the plane; a dilated window entirely in the padding gives -inf. */
KERNEL static void max_pool2d_serial(const float *restrict x, float *restrict out, int32_t *restrict indices,
                             const int32_t *geometry) {
  const window2d w = window_of(geometry);
  if (w.pad_h == 0 && w.pad_w == 0 && w.dilation_h == 1 && w.dilation_w == 1 &&
      (w.out_h - 1) * w.stride_h + w.kernel_h <= w.height && (w.out_w - 1) * w.stride_w + w.kernel_w <= w.width) {
    int32_t *origin = malloc((size_t)(w.out_h * w.out_w) * sizeof(int32_t));
    if (origin) {
      max_pool2d_inside(x, out, indices, &w, origin);
      free(origin);
      return;
    }
  }
  int64_t o = 0;
  for (int64_t p = 0; p < w.batch * w.channels; p++) {
    const float *plane = x + p * w.height * w.width;
    for (int64_t oh = 0; oh < w.out_h; oh++) {
      int64_t h0 = oh * w.stride_h - w.pad_h;
      int64_t h1 = h0 + (w.kernel_h - 1) * w.dilation_h + 1;
      if (h1 > w.height) h1 = w.height;
      while (h0 < 0) h0 += w.dilation_h;
      for (int64_t ow = 0; ow < w.out_w; ow++, o++) {
        int64_t w0 = ow * w.stride_w - w.pad_w;
        int64_t w1 = w0 + (w.kernel_w - 1) * w.dilation_w + 1;
        if (w1 > w.width) w1 = w.width;
        while (w0 < 0) w0 += w.dilation_w;
        float best = -INFINITY;
        int64_t best_idx = (h0 < w.height - 1 ? h0 : w.height - 1) * w.width + (w0 < w.width - 1 ? w0 : w.width - 1);
        for (int64_t h = h0; h < h1; h += w.dilation_h) {
          for (int64_t c = w0; c < w1; c += w.dilation_w) {
            const float v = plane[h * w.width + c];
            if (v > best || v != v) {
              best = v;
              best_idx = h * w.width + c;
              if (v != v) break;
            }
          }
          if (best != best) break;
        }
        out[o] = best;
        indices[o] = (int32_t)best_idx;
      }
    }
  }
}

/* out[o, index[o, j, i], i] += src[o, j, i] (js/indexing.ts scatterAdd), in the reference's order. */
KERNEL static void scatter_add_serial(const float *restrict src, const int32_t *restrict index, float *restrict out,
                                      int64_t outer, int64_t out_size, int64_t idx_size, int64_t inner) {
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t j = 0; j < idx_size; j++) {
      const int64_t row = (o * idx_size + j) * inner;
      for (int64_t i = 0; i < inner; i++) {
        const int64_t at = index[row + i];
        /* The op layer checks indices; out of range is skipped here as a typed array ignores it. */
        if (at >= 0 && at < out_size) out[(o * out_size + at) * inner + i] += src[row + i];
      }
    }
  }
}

/* im2col of a chunk of images into one matrix, so a convolution is one wide GEMM per chunk:
 * cols[row][n * L + l] with row = (c * kH + ki) * kW + kj, L = outH * outW. */
KERNEL void nabla_im2col_wide(const float *restrict x, float *restrict cols, const int32_t *geometry) {
  const window2d w = window_of(geometry);
  const int64_t L = w.out_h * w.out_w, stride = w.batch * L;
  for (int64_t n = 0; n < w.batch; n++) {
    for (int64_t ch = 0; ch < w.channels; ch++) {
      const float *plane = x + (n * w.channels + ch) * w.height * w.width;
      for (int64_t ki = 0; ki < w.kernel_h; ki++) {
        for (int64_t kj = 0; kj < w.kernel_w; kj++) {
          int64_t lo, hi;
          valid_columns(&w, kj, &lo, &hi);
          float *c = cols + ((ch * w.kernel_h + ki) * w.kernel_w + kj) * stride + n * L;
          for (int64_t oh = 0; oh < w.out_h; oh++, c += w.out_w) {
            const int64_t ih = oh * w.stride_h - w.pad_h + ki * w.dilation_h;
            if (ih < 0 || ih >= w.height) {
              memset(c, 0, (size_t)w.out_w * sizeof(float));
              continue;
            }
            unfold_row(c, plane + ih * w.width - w.pad_w + kj * w.dilation_w, lo, hi, &w);
          }
        }
      }
    }
  }
}

/* [batch, channels, L] -> [channels, batch * L]: a gradient dy in the layout of the wide GEMM. */
KERNEL void nabla_batch_to_channels(const float *restrict src, float *restrict dst, int64_t batch, int64_t channels,
                                    int64_t L) {
  for (int64_t n = 0; n < batch; n++)
    for (int64_t c = 0; c < channels; c++) {
      const float *s = src + (n * channels + c) * L;
      float *d = dst + (c * batch + n) * L;
      for (int64_t l = 0; l < L; l++) d[l] = s[l];
    }
}

/* [channels, batch * L] -> [batch, channels, L], adding bias[c] when given (the wide GEMM's output). */
KERNEL void nabla_channels_to_batch(const float *restrict src, float *restrict dst, const float *restrict bias,
                                    int64_t batch, int64_t channels, int64_t L) {
  for (int64_t n = 0; n < batch; n++) {
    for (int64_t c = 0; c < channels; c++) {
      const float *s = src + (c * batch + n) * L;
      float *d = dst + (n * channels + c) * L;
      if (bias) {
        const float b = bias[c];
        for (int64_t l = 0; l < L; l++) d[l] = s[l] + b;
      } else {
        memcpy(d, s, (size_t)L * sizeof(float));
      }
    }
  }
}

/* Direct convolution for short windows (channels*kH*kW below native/conv.ts's thinK: a first layer on
 * 1-3 channels), groups 1. As im2col + GEMM, K = 9 or 25 leaves the BLAS packing more than it
 * multiplies. With stride 1 each image is copied into a zero-padded plane of width Wp, and the
 * output is computed on that width (the columns past outW are dropped): every window tap is then
 * one flat loop over outH*Wp elements, out[l] += w * xp[l + tap offset], which vectorises without
 * row ends. Taps are added in (channel, kernel row, kernel column) order from zero, then the bias;
 * other strides take a row at a time. */
typedef struct {
  int64_t wp, hp, grid, plane; /* padded width and height, outH*Wp, one padded plane with slack */
} padded_grid;

static padded_grid grid_of(const window2d *w) {
  padded_grid g;
  g.wp = w->width + 2 * w->pad_w;
  g.hp = w->height + 2 * w->pad_h;
  g.grid = w->out_h * g.wp;
  /* The last tap of the last grid column reads (kW-1)*dilationW past the padded plane. */
  g.plane = g.hp * g.wp + (w->kernel_w - 1) * w->dilation_w;
  return g;
}

/* Image n's channels into zero-padded planes (g->plane floats each). */
static inline void pad_image(const float *restrict x, float *restrict xp, const window2d *w, const padded_grid *g) {
  for (int64_t c = 0; c < w->channels; c++) {
    float *restrict dst = xp + c * g->plane;
    const float *src = x + c * w->height * w->width;
    for (int64_t i = 0; i < g->plane; i++) dst[i] = 0.0f;
    for (int64_t h = 0; h < w->height; h++)
      for (int64_t j = 0; j < w->width; j++) dst[(h + w->pad_h) * g->wp + w->pad_w + j] = src[h * w->width + j];
  }
}

static inline int64_t tap_offset(const window2d *w, const padded_grid *g, int64_t c, int64_t ki, int64_t kj) {
  return c * g->plane + ki * w->dilation_h * g->wp + kj * w->dilation_w;
}

/* Output channels per pass of the blocked forward loop, and positions per vector. */
enum { THIN_CO = 8, THIN_VL = 16 };

typedef float v16f __attribute__((vector_size(64)));

/* An unaligned vector load (a macro: a function returning a 64-byte vector has a target-dependent ABI). */
#define LOAD16(p) (__extension__({ \
  v16f v_; \
  memcpy(&v_, (p), sizeof v_); \
  v_; \
}))

/* THIN_CO output channels' sums over VL grid positions from l on: each tap's input vector is loaded
 * once for all of them (8 multiply-adds a load instead of one), and each sum still adds its taps
 * in order from zero. */
static inline __attribute__((always_inline)) void thin_block(const float *restrict xp, const int64_t *restrict off,
                                                             const float *restrict w8, int64_t taps, int64_t l,
                                                             float *restrict acc, int64_t stride) {
  v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
  for (int64_t t = 0; t < taps; t++) {
    const v16f s = LOAD16(xp + off[t] + l);
    const float *restrict wt = w8 + t * THIN_CO;
    a0 += wt[0] * s;
    a1 += wt[1] * s;
    a2 += wt[2] * s;
    a3 += wt[3] * s;
    a4 += wt[4] * s;
    a5 += wt[5] * s;
    a6 += wt[6] * s;
    a7 += wt[7] * s;
  }
  memcpy(acc + 0 * stride + l, &a0, sizeof a0);
  memcpy(acc + 1 * stride + l, &a1, sizeof a1);
  memcpy(acc + 2 * stride + l, &a2, sizeof a2);
  memcpy(acc + 3 * stride + l, &a3, sizeof a3);
  memcpy(acc + 4 * stride + l, &a4, sizeof a4);
  memcpy(acc + 5 * stride + l, &a5, sizeof a5);
  memcpy(acc + 6 * stride + l, &a6, sizeof a6);
  memcpy(acc + 7 * stride + l, &a7, sizeof a7);
}

KERNEL static void thin_forward_serial(const float *restrict x, const float *restrict weight, const float *restrict bias,
                                      float *restrict out, const int32_t *geometry, int64_t co) {
  const window2d w = window_of(geometry);
  const int64_t L = w.out_h * w.out_w, plane = w.height * w.width;
  const int64_t taps = w.channels * w.kernel_h * w.kernel_w;
  const padded_grid g = grid_of(&w);
  const int64_t blocks = (co + THIN_CO - 1) / THIN_CO;
  /* The grid rounded up to whole vectors: the last vector runs past the grid into zeros (the
   * padded image's slack) and its extra sums are dropped with the columns past outW. */
  const int64_t grid = (g.grid + THIN_VL - 1) / THIN_VL * THIN_VL, slack = grid - g.grid;
  /* Scratch: the tap offsets, the padded image (and its slack), THIN_CO accumulator grids, and the
   * weights as [block][tap][THIN_CO] (zero past co). */
  int64_t *scratch =
      w.stride_h == 1 && w.stride_w == 1
          ? malloc((size_t)taps * sizeof(int64_t) +
                   (size_t)(w.channels * g.plane + slack + THIN_CO * grid + blocks * taps * THIN_CO) * sizeof(float))
          : NULL;
  if (scratch) {
    int64_t *restrict off = scratch;
    float *restrict xp = (float *)(off + taps);
    float *restrict acc = xp + w.channels * g.plane + slack;
    float *restrict w8 = acc + THIN_CO * grid;
    for (int64_t i = 0; i < slack; i++) xp[w.channels * g.plane + i] = 0.0f;
    for (int64_t c = 0, t = 0; c < w.channels; c++)
      for (int64_t ki = 0; ki < w.kernel_h; ki++)
        for (int64_t kj = 0; kj < w.kernel_w; kj++, t++) off[t] = tap_offset(&w, &g, c, ki, kj);
    for (int64_t b = 0; b < blocks; b++)
      for (int64_t t = 0; t < taps; t++)
        for (int64_t j = 0; j < THIN_CO; j++)
          w8[(b * taps + t) * THIN_CO + j] = b * THIN_CO + j < co ? weight[(b * THIN_CO + j) * taps + t] : 0.0f;
    for (int64_t n = 0; n < w.batch; n++) {
      pad_image(x + n * w.channels * plane, xp, &w, &g);
      for (int64_t b = 0; b < blocks; b++) {
        const float *restrict wb = w8 + b * taps * THIN_CO;
        for (int64_t l = 0; l < grid; l += THIN_VL) thin_block(xp, off, wb, taps, l, acc, grid);
        for (int64_t j = 0; j < THIN_CO && b * THIN_CO + j < co; j++) {
          const int64_t o = b * THIN_CO + j;
          const float *restrict a = acc + j * grid;
          float *restrict y = out + (n * co + o) * L;
          const float bv = bias ? bias[o] : 0.0f;
          for (int64_t oh = 0; oh < w.out_h; oh++)
            for (int64_t ow = 0; ow < w.out_w; ow++) y[oh * w.out_w + ow] = bias ? a[oh * g.wp + ow] + bv : a[oh * g.wp + ow];
        }
      }
    }
    free(scratch);
    return;
  }
  for (int64_t n = 0; n < w.batch; n++) {
    for (int64_t o = 0; o < co; o++) {
      float *restrict y = out + (n * co + o) * L;
      for (int64_t l = 0; l < L; l++) y[l] = 0.0f;
      for (int64_t c = 0; c < w.channels; c++) {
        const float *src_plane = x + (n * w.channels + c) * plane;
        for (int64_t ki = 0; ki < w.kernel_h; ki++) {
          for (int64_t kj = 0; kj < w.kernel_w; kj++) {
            const float wv = weight[((o * w.channels + c) * w.kernel_h + ki) * w.kernel_w + kj];
            int64_t lo, hi;
            valid_columns(&w, kj, &lo, &hi);
            for (int64_t oh = 0; oh < w.out_h; oh++) {
              const int64_t ih = oh * w.stride_h - w.pad_h + ki * w.dilation_h;
              if (ih < 0 || ih >= w.height) continue;
              const float *src = src_plane + ih * w.width - w.pad_w + kj * w.dilation_w;
              float *restrict row = y + oh * w.out_w;
              for (int64_t ow = lo; ow < hi; ow++) row[ow] += wv * src[ow * w.stride_w];
            }
          }
        }
      }
      if (bias) {
        const float b = bias[o];
        for (int64_t l = 0; l < L; l++) y[l] += b;
      }
    }
  }
}

/* Eight channels' dot products of gp_j with src over the grid at once: each input vector is loaded
 * once for all eight. Every sum keeps 16 interleaved partial sums (a vector, without reassociating
 * one sum): lane j takes positions j, j+16, ..., the tail goes into the first lanes, then the lanes
 * are added in order. */
static inline __attribute__((always_inline)) void thin_dots(const float *restrict gp, int64_t stride,
                                                            const float *restrict src, int64_t grid, float *restrict s) {
  v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
  int64_t l = 0;
  for (; l + THIN_VL <= grid; l += THIN_VL) {
    const v16f x = LOAD16(src + l);
    a0 += LOAD16(gp + 0 * stride + l) * x;
    a1 += LOAD16(gp + 1 * stride + l) * x;
    a2 += LOAD16(gp + 2 * stride + l) * x;
    a3 += LOAD16(gp + 3 * stride + l) * x;
    a4 += LOAD16(gp + 4 * stride + l) * x;
    a5 += LOAD16(gp + 5 * stride + l) * x;
    a6 += LOAD16(gp + 6 * stride + l) * x;
    a7 += LOAD16(gp + 7 * stride + l) * x;
  }
  for (int j = 0; l < grid; l++, j++) {
    const float x = src[l];
    a0[j] += gp[0 * stride + l] * x;
    a1[j] += gp[1 * stride + l] * x;
    a2[j] += gp[2 * stride + l] * x;
    a3[j] += gp[3 * stride + l] * x;
    a4[j] += gp[4 * stride + l] * x;
    a5[j] += gp[5 * stride + l] * x;
    a6[j] += gp[6 * stride + l] * x;
    a7[j] += gp[7 * stride + l] * x;
  }
  /* Each channel's lanes in order, the eight channels side by side (independent chains). */
  float parts[THIN_CO][THIN_VL];
  memcpy(parts[0], &a0, sizeof a0);
  memcpy(parts[1], &a1, sizeof a1);
  memcpy(parts[2], &a2, sizeof a2);
  memcpy(parts[3], &a3, sizeof a3);
  memcpy(parts[4], &a4, sizeof a4);
  memcpy(parts[5], &a5, sizeof a5);
  memcpy(parts[6], &a6, sizeof a6);
  memcpy(parts[7], &a7, sizeof a7);
  for (int j = 0; j < THIN_CO; j++) s[j] = 0.0f;
  for (int v = 0; v < THIN_VL; v++)
    for (int j = 0; j < THIN_CO; j++) s[j] += parts[j][v];
}

/* The weight gradient of nabla_conv2d_thin_forward: dw[o, c, ki, kj] = sum over images and output
 * positions of dy times the input under that tap, one image's sum at a time added into dw. With
 * stride 1, dy is laid on the padded grid (zeros past outW) and each tap is one dot product,
 * eight output channels at a time (thin_dots). */
KERNEL static void thin_weight_grad_serial(const float *restrict dy, const float *restrict x, float *restrict dw,
                                          const int32_t *geometry, int64_t co) {
  const window2d w = window_of(geometry);
  const int64_t L = w.out_h * w.out_w, plane = w.height * w.width;
  const int64_t taps = w.channels * w.kernel_h * w.kernel_w;
  for (int64_t i = 0; i < co * taps; i++) dw[i] = 0.0f;
  const padded_grid g = grid_of(&w);
  const int64_t blocks = (co + THIN_CO - 1) / THIN_CO;
  /* Scratch: the padded image, then dy of every channel (and zero rows up to the block) on the grid. */
  float *xp = w.stride_h == 1 && w.stride_w == 1
                  ? malloc((size_t)(w.channels * g.plane + blocks * THIN_CO * g.grid) * sizeof(float))
                  : NULL;
  if (xp) {
    float *restrict gp = xp + w.channels * g.plane;
    for (int64_t l = 0; l < blocks * THIN_CO * g.grid; l++) gp[l] = 0.0f;
    for (int64_t n = 0; n < w.batch; n++) {
      pad_image(x + n * w.channels * plane, xp, &w, &g);
      for (int64_t o = 0; o < co; o++) {
        const float *gy = dy + (n * co + o) * L;
        for (int64_t oh = 0; oh < w.out_h; oh++)
          for (int64_t ow = 0; ow < w.out_w; ow++) gp[o * g.grid + oh * g.wp + ow] = gy[oh * w.out_w + ow];
      }
      for (int64_t b = 0; b < blocks; b++)
        for (int64_t c = 0, t = 0; c < w.channels; c++)
          for (int64_t ki = 0; ki < w.kernel_h; ki++)
            for (int64_t kj = 0; kj < w.kernel_w; kj++, t++) {
              float s[THIN_CO];
              thin_dots(gp + b * THIN_CO * g.grid, g.grid, xp + tap_offset(&w, &g, c, ki, kj), g.grid, s);
              for (int64_t j = 0; j < THIN_CO && b * THIN_CO + j < co; j++) dw[(b * THIN_CO + j) * taps + t] += s[j];
            }
    }
    free(xp);
    return;
  }
  for (int64_t n = 0; n < w.batch; n++) {
    for (int64_t o = 0; o < co; o++) {
      const float *gy = dy + (n * co + o) * L;
      for (int64_t c = 0; c < w.channels; c++) {
        const float *src_plane = x + (n * w.channels + c) * plane;
        for (int64_t ki = 0; ki < w.kernel_h; ki++) {
          for (int64_t kj = 0; kj < w.kernel_w; kj++) {
            int64_t lo, hi;
            valid_columns(&w, kj, &lo, &hi);
            float part[16] = {0};
            for (int64_t oh = 0; oh < w.out_h; oh++) {
              const int64_t ih = oh * w.stride_h - w.pad_h + ki * w.dilation_h;
              if (ih < 0 || ih >= w.height) continue;
              const float *src = src_plane + ih * w.width - w.pad_w + kj * w.dilation_w;
              const float *grow = gy + oh * w.out_w;
              for (int64_t ow = lo, j = 0; ow < hi; ow++, j = (j + 1) & 15) part[j] += grow[ow] * src[ow * w.stride_w];
            }
            float s = 0.0f;
            for (int j = 0; j < 16; j++) s += part[j];
            dw[((o * w.channels + c) * w.kernel_h + ki) * w.kernel_w + kj] += s;
          }
        }
      }
    }
  }
}

/* sum over the middle axis of x [outer, size, inner] in double, stored as float32 (js/reduce.ts
 * sum32: the bias gradient of every training step), each column adding its rows in order. */
KERNEL void nabla_sum(const float *restrict x, float *restrict out, int64_t outer, int64_t size, int64_t inner,
                      double *restrict acc) {
  for (int64_t o = 0; o < outer; o++) {
    if (inner == 1) {
      double s = 0;
      const float *row = x + o * size;
      for (int64_t k = 0; k < size; k++) s += (double)row[k];
      out[o] = (float)s;
      continue;
    }
    for (int64_t i = 0; i < inner; i++) acc[i] = 0;
    const float *base = x + o * size * inner;
    for (int64_t s = 0; s < size; s++) {
      const float *r = base + s * inner;
      for (int64_t i = 0; i < inner; i++) acc[i] += (double)r[i];
    }
    for (int64_t i = 0; i < inner; i++) out[o * inner + i] = (float)acc[i];
  }
}

/* Dropout's keep mask (backend/random-kernels.ts bernoulliMask): out[i] = u < keep ? value : 0 with u
 * the stream's next uint32 over 2^32 (xoshiro128**, as tensor/random.ts nextUint32). For an
 * integer x, x / 2^32 < keep holds exactly when x < ceil(keep * 2^32) (the scaling is exact), so the
 * test is an integer compare, and the select a bit mask: a branch on random outcomes mispredicted
 * every fourth draw at keep 0.75 and took half the time. */
KERNEL void nabla_bernoulli_mask(uint32_t *restrict state, float *restrict out, int64_t n, double keep, float value) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  const double bound = ceil(keep * 4294967296.0);
  const uint64_t limit = bound <= 0 ? 0 : bound >= 4294967296.0 ? UINT64_C(4294967296) : (uint64_t)bound;
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  uint32_t *restrict o = (uint32_t *)out;
  for (int64_t i = 0; i < n; i++) {
    const uint32_t x = s1 * 5u;
    const uint32_t result = ((x << 7) | (x >> 25)) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >> 21);
    o[i] = bits & -(uint32_t)((uint64_t)result < limit);
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

/* Batch norm's per-channel statistics and affine pass (backend/js/norm.ts), in double as the
 * reference: every channel's sums run in the reference's order, so the bits are its bits. The
 * reference's sums are one dependent chain per channel; here NORM_LANES channels run side by side
 * (independent chains, one vector of them), which is what makes them fast. */
enum { NORM_LANES = 8 };

/* Per-channel mean and biased variance of x [outer, channels, inner], two passes. */
KERNEL static void channel_moments_serial(const float *restrict x, double *restrict mean, double *restrict variance,
                                          int64_t outer, int64_t channels, int64_t inner, int64_t c_begin,
                                          int64_t c_end) {
  const double count = (double)(outer * inner);
  for (int64_t c0 = c_begin; c0 < c_end; c0 += NORM_LANES) {
    const int64_t lanes = channels - c0 < NORM_LANES ? channels - c0 : NORM_LANES;
    double sum[NORM_LANES] = {0}, sq[NORM_LANES] = {0}, mu[NORM_LANES] = {0};
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++)
        for (int64_t k = 0; k < lanes; k++) sum[k] += (double)x[(o * channels + c0 + k) * inner + i];
    for (int64_t k = 0; k < lanes; k++) mu[k] = sum[k] / count;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++)
        for (int64_t k = 0; k < lanes; k++) {
          const double v = (double)x[(o * channels + c0 + k) * inner + i] - mu[k];
          sq[k] += v * v;
        }
    for (int64_t k = 0; k < lanes; k++) {
      mean[c0 + k] = mu[k];
      variance[c0 + k] = sq[k] / count;
    }
  }
}

/* Per-channel sumDy = sum of dy and sumDyXc = sum of dy * (x - mean). */
KERNEL static void channel_grad_sums_serial(const float *restrict dy, const float *restrict x,
                                            const double *restrict mean, double *restrict sum_dy,
                                            double *restrict sum_dy_xc, int64_t outer, int64_t channels,
                                            int64_t inner, int64_t c_begin, int64_t c_end) {
  for (int64_t c0 = c_begin; c0 < c_end; c0 += NORM_LANES) {
    const int64_t lanes = channels - c0 < NORM_LANES ? channels - c0 : NORM_LANES;
    double s[NORM_LANES] = {0}, sx[NORM_LANES] = {0}, mu[NORM_LANES] = {0};
    for (int64_t k = 0; k < lanes; k++) mu[k] = mean[c0 + k];
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++)
        for (int64_t k = 0; k < lanes; k++) {
          const int64_t at = (o * channels + c0 + k) * inner + i;
          const double g = (double)dy[at];
          s[k] += g;
          sx[k] += g * ((double)x[at] - mu[k]);
        }
    for (int64_t k = 0; k < lanes; k++) {
      sum_dy[c0 + k] = s[k];
      sum_dy_xc[c0 + k] = sx[k];
    }
  }
}

/* out = a[c] * x + b[c] * y + d[c] (y null: a[c] * x + d[c]) over [outer, channels, inner], in double. */
KERNEL static void channel_affine_serial(const float *restrict x, const float *restrict y, const double *restrict a,
                                         const double *restrict b, const double *restrict d, float *restrict out,
                                         int64_t outer, int64_t channels, int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < channels; c++) {
      const int64_t base = (o * channels + c) * inner;
      const double ac = a[c], dc = d[c];
      if (y) {
        const double bc = b[c];
        for (int64_t i = 0; i < inner; i++) out[base + i] = (float)(ac * (double)x[base + i] + bc * (double)y[base + i] + dc);
      } else {
        for (int64_t i = 0; i < inner; i++) out[base + i] = (float)(ac * (double)x[base + i] + dc);
      }
    }
}

/* out = a op b elementwise on float32 (0 add, 1 sub, 2 mul, 3 div): one rounding of the exact
 * result, as the reference's float64 operation rounded to float32 (double rounding is exact for
 * these four operations on float32 operands). `out` may be `a` or `b`. */
KERNEL static void binary_serial(int op, const float *a, const float *b, float *out, int64_t n) {
  switch (op) {
  case 0:
    for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
    break;
  case 1:
    for (int64_t i = 0; i < n; i++) out[i] = a[i] - b[i];
    break;
  case 2:
    for (int64_t i = 0; i < n; i++) out[i] = a[i] * b[i];
    break;
  default:
    for (int64_t i = 0; i < n; i++) out[i] = a[i] / b[i];
  }
}

/* ---- The kernels above over the thread pool ---------------------------------------------------
 * Elementwise kernels split into ranges, image kernels into runs of images: each part computes
 * what the serial kernel computes for it, so the results are the serial kernel's bits. The
 * direct convolution's weight gradient sums one partial gradient per part, then adds the parts in
 * order: its bits depend on the thread count (as PyTorch's do), not on timing. */

/* Below these sizes a kernel runs whole on the calling thread: waking a worker costs more. */
enum { PARALLEL_ELEMENTS = 1 << 16, PARALLEL_IMAGE_FLOATS = 1 << 15 };

typedef void (*range_fn)(const void *args, int64_t lo, int64_t hi);
typedef struct {
  int64_t n, parts;
  range_fn fn;
  const void *args;
} range_job;

static void range_part(void *ctx, int64_t part) {
  const range_job *j = ctx;
  /* Boundaries on multiples of 16 floats (a 64-byte line), so no line is written by two threads. */
  const int64_t lo = part == 0 ? 0 : (j->n * part / j->parts) / 16 * 16;
  const int64_t hi = part == j->parts - 1 ? j->n : (j->n * (part + 1) / j->parts) / 16 * 16;
  if (hi > lo) j->fn(j->args, lo, hi);
}

/* fn over [0, n), in one range per thread when n is large enough. */
static void over_range(int64_t n, range_fn fn, const void *args) {
  const int threads = nabla_threads();
  if (threads == 1 || n < PARALLEL_ELEMENTS) {
    fn(args, 0, n);
    return;
  }
  range_job j = {n, threads, fn, args};
  nabla_parallel(threads, range_part, &j);
}

typedef struct {
  float *p, *b, *m, *v, *vmax;
  const float *g;
  double s[9];
  int flags;
} optim_args;

static void sgd_momentum_range(const void *args, int64_t lo, int64_t hi) {
  const optim_args *a = args;
  sgd_momentum_serial(a->p + lo, a->g + lo, a->b + lo, hi - lo, a->s[0], a->s[1], a->s[2]);
}

void nabla_sgd_momentum(float *p, const float *g, float *b, int64_t n, double mom, double damp, double neg_lr) {
  const optim_args a = {.p = p, .g = g, .b = b, .s = {mom, damp, neg_lr}};
  over_range(n, sgd_momentum_range, &a);
}

static void adam_range(const void *args, int64_t lo, int64_t hi) {
  const optim_args *a = args;
  const double *s = a->s;
  adam_serial(a->p + lo, a->g + lo, a->m + lo, a->v + lo, a->vmax ? a->vmax + lo : NULL, hi - lo, s[0], s[1], s[2],
              s[3], s[4], s[5], s[6], s[7], s[8], a->flags);
}

void nabla_adam(float *p, const float *g, float *m, float *v, float *vmax, int64_t n, double b1, double b2,
                double one_minus_b1, double one_minus_b2, double neg_step, double bc2_sqrt, double eps, double wd,
                double shrink, int flags) {
  const optim_args a = {.p = p,
                        .g = g,
                        .m = m,
                        .v = v,
                        .vmax = vmax,
                        .s = {b1, b2, one_minus_b1, one_minus_b2, neg_step, bc2_sqrt, eps, wd, shrink},
                        .flags = flags};
  over_range(n, adam_range, &a);
}

static void adam_plain_range(const void *args, int64_t lo, int64_t hi) {
  const optim_args *a = args;
  const double *s = a->s;
  adam_plain_serial(a->p + lo, a->g + lo, a->m + lo, a->v + lo, hi - lo, s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
}

void nabla_adam_plain(float *p, const float *g, float *m, float *v, int64_t n, double b1, double b2,
                      double one_minus_b1, double one_minus_b2, double neg_step, double bc2_sqrt, double eps) {
  const optim_args a = {.p = p, .g = g, .m = m, .v = v, .s = {b1, b2, one_minus_b1, one_minus_b2, neg_step, bc2_sqrt, eps}};
  over_range(n, adam_plain_range, &a);
}

typedef struct {
  const float *x, *dy;
  float *out;
} unary_args;

typedef struct {
  int op;
  const float *a, *b;
  float *out;
} binary_args;

static void binary_range(const void *args, int64_t lo, int64_t hi) {
  const binary_args *a = args;
  binary_serial(a->op, a->a + lo, a->b + lo, a->out + lo, hi - lo);
}

void nabla_binary(int op, const float *a, const float *b, float *out, int64_t n) {
  const binary_args args = {op, a, b, out};
  over_range(n, binary_range, &args);
}

static void relu_range(const void *args, int64_t lo, int64_t hi) {
  const unary_args *a = args;
  relu_serial(a->x + lo, a->out + lo, hi - lo);
}

void nabla_relu(const float *x, float *out, int64_t n) {
  const unary_args a = {.x = x, .out = out};
  over_range(n, relu_range, &a);
}

static void relu_backward_range(const void *args, int64_t lo, int64_t hi) {
  const unary_args *a = args;
  relu_backward_serial(a->x + lo, a->dy + lo, a->out + lo, hi - lo);
}

void nabla_relu_backward(const float *y, const float *dy, float *out, int64_t n) {
  const unary_args a = {.x = y, .dy = dy, .out = out};
  over_range(n, relu_backward_range, &a);
}

/* Image kernels: part `part` of the batch gets the window with its own image count, and the
 * arrays from its first image on. */
typedef struct {
  const int32_t *geometry;
  int64_t parts, co;
  const float *in, *in2, *weight, *bias;
  float *out, *partials;
  int32_t *indices;
  void (*fn)(const void *job, const int32_t *g, int64_t first, int64_t part);
} image_job;

static void image_part(void *ctx, int64_t part) {
  const image_job *j = ctx;
  const int64_t batch = j->geometry[0];
  const int64_t first = batch * part / j->parts, last = batch * (part + 1) / j->parts;
  if (last <= first) return;
  int32_t g[14];
  memcpy(g, j->geometry, sizeof g);
  g[0] = (int32_t)(last - first);
  j->fn(j, g, first, part);
}

/* One part per thread when the images hold `floats` floats in all, else the whole batch here. */
static int64_t image_parts(const int32_t *geometry, int64_t floats) {
  const int threads = nabla_threads();
  return threads == 1 || floats < PARALLEL_IMAGE_FLOATS ? 1 : threads < geometry[0] ? threads : geometry[0];
}

static void over_images(image_job *j, int64_t floats) {
  j->parts = image_parts(j->geometry, floats);
  if (j->parts == 1) {
    j->fn(j, j->geometry, 0, 0);
    return;
  }
  nabla_parallel(j->parts, image_part, j);
}

static int64_t image_floats(const window2d *w) { return w->channels * w->height * w->width; }
static int64_t unfolded_floats(const window2d *w) { return w->channels * w->kernel_h * w->kernel_w * w->out_h * w->out_w; }

static void im2col_images(const void *job, const int32_t *g, int64_t first, int64_t part) {
  const image_job *j = job;
  const window2d w = window_of(j->geometry);
  im2col_serial(j->in + first * image_floats(&w), j->out + first * unfolded_floats(&w), g);
}

void nabla_im2col(const float *x, float *cols, const int32_t *geometry) {
  const window2d w = window_of(geometry);
  image_job j = {.geometry = geometry, .in = x, .out = cols, .fn = im2col_images};
  over_images(&j, w.batch * unfolded_floats(&w));
}

static void col2im_images(const void *job, const int32_t *g, int64_t first, int64_t part) {
  const image_job *j = job;
  const window2d w = window_of(j->geometry);
  col2im_serial(j->in + first * unfolded_floats(&w), j->out + first * image_floats(&w), g);
}

void nabla_col2im(const float *cols, float *x, const int32_t *geometry) {
  const window2d w = window_of(geometry);
  image_job j = {.geometry = geometry, .in = cols, .out = x, .fn = col2im_images};
  over_images(&j, w.batch * unfolded_floats(&w));
}

static void max_pool2d_images(const void *job, const int32_t *g, int64_t first, int64_t part) {
  const image_job *j = job;
  const window2d w = window_of(j->geometry);
  const int64_t pooled = w.channels * w.out_h * w.out_w;
  max_pool2d_serial(j->in + first * image_floats(&w), j->out + first * pooled, j->indices + first * pooled, g);
}

void nabla_max_pool2d(const float *x, float *out, int32_t *indices, const int32_t *geometry) {
  const window2d w = window_of(geometry);
  image_job j = {.geometry = geometry, .in = x, .out = out, .indices = indices, .fn = max_pool2d_images};
  over_images(&j, w.batch * image_floats(&w));
}

static void thin_forward_images(const void *job, const int32_t *g, int64_t first, int64_t part) {
  const image_job *j = job;
  const window2d w = window_of(j->geometry);
  thin_forward_serial(j->in + first * image_floats(&w), j->weight, j->bias, j->out + first * j->co * w.out_h * w.out_w,
                      g, j->co);
}

void nabla_conv2d_thin_forward(const float *x, const float *weight, const float *bias, float *out,
                               const int32_t *geometry, int64_t co) {
  const window2d w = window_of(geometry);
  image_job j = {.geometry = geometry, .co = co, .in = x, .weight = weight, .bias = bias, .out = out,
                 .fn = thin_forward_images};
  over_images(&j, w.batch * co * w.out_h * w.out_w * w.channels * w.kernel_h * w.kernel_w / 16);
}

static void thin_weight_grad_images(const void *job, const int32_t *g, int64_t first, int64_t part) {
  const image_job *j = job;
  const window2d w = window_of(j->geometry);
  const int64_t taps = w.channels * w.kernel_h * w.kernel_w;
  float *dw = part == 0 ? j->out : j->partials + (part - 1) * j->co * taps;
  thin_weight_grad_serial(j->in2 + first * j->co * w.out_h * w.out_w, j->in + first * image_floats(&w), dw, g, j->co);
}

void nabla_conv2d_thin_weight_grad(const float *dy, const float *x, float *dw, const int32_t *geometry, int64_t co) {
  const window2d w = window_of(geometry);
  const int64_t taps = w.channels * w.kernel_h * w.kernel_w, size = co * taps;
  image_job j = {.geometry = geometry, .co = co, .in = x, .in2 = dy, .out = dw, .fn = thin_weight_grad_images};
  const int64_t parts = image_parts(geometry, w.batch * co * w.out_h * w.out_w * taps / 16);
  j.partials = parts > 1 ? malloc((size_t)((parts - 1) * size) * sizeof(float)) : NULL;
  if (!j.partials) {
    thin_weight_grad_serial(dy, x, dw, geometry, co);
    return;
  }
  j.parts = parts;
  nabla_parallel(parts, image_part, &j);
  for (int64_t p = 1; p < parts; p++)
    for (int64_t i = 0; i < size; i++) dw[i] += j.partials[(p - 1) * size + i];
  free(j.partials);
}

/* ---- Convolutions as unfolding + GEMM, a chunk of images per part --------------------------------
 * native/conv.ts's GEMM paths with each chunk (a few images, whose unfolded columns fit the L2
 * cache) unfolded and multiplied on one thread, chunks spread over the pool: split finer, each
 * chunk's GEMM was too small to share and its columns crossed between the cores' caches. */

typedef struct {
  window2d w;
  const int32_t *geometry;
  int64_t co, ck, L, chunk, parts;
  const float *x, *dy, *weight, *bias;
  float *out, *partials;
  atomic_int failed; /* a chunk's scratch did not allocate */
} conv_job;

/* The chunk's images [*first, *first + *count) and its window. */
static void chunk_of(const conv_job *j, int64_t part, int64_t *first, int64_t *count, int32_t g[14]) {
  *first = part * j->chunk;
  *count = j->w.batch - *first < j->chunk ? j->w.batch - *first : j->chunk;
  memcpy(g, j->geometry, 14 * sizeof(int32_t));
  g[0] = (int32_t)*count;
}

static void conv_forward_chunk(void *ctx, int64_t part) {
  const conv_job *j = ctx;
  int64_t first, count;
  int32_t g[14];
  chunk_of(j, part, &first, &count, g);
  const int64_t n = count * j->L;
  float *cols = malloc((size_t)((j->ck + j->co) * n) * sizeof(float));
  if (!cols) {
    atomic_store(&((conv_job *)ctx)->failed, 1);
    return;
  }
  float *y = cols + j->ck * n;
  nabla_im2col_wide(j->x + first * image_floats(&j->w), cols, g);
  nabla_sgemm_here(0, 0, (int)j->co, (int)n, (int)j->ck, 1.0f, j->weight, (int)j->ck, cols, (int)n, 0.0f, y, (int)n);
  nabla_channels_to_batch(y, j->out + first * j->co * j->L, j->bias, count, j->co, j->L);
  free(cols);
}

static void conv_weight_grad_chunk(void *ctx, int64_t part) {
  const conv_job *j = ctx;
  int64_t first, count;
  int32_t g[14];
  chunk_of(j, part, &first, &count, g);
  const int64_t n = count * j->L;
  float *cols = malloc((size_t)((j->ck + j->co) * n) * sizeof(float));
  if (!cols) {
    atomic_store(&((conv_job *)ctx)->failed, 1);
    return;
  }
  float *gy = cols + j->ck * n;
  nabla_im2col_wide(j->x + first * image_floats(&j->w), cols, g);
  nabla_batch_to_channels(j->dy + first * j->co * j->L, gy, count, j->co, j->L);
  nabla_sgemm_here(0, 1, (int)j->co, (int)j->ck, (int)n, 1.0f, gy, (int)n, cols, (int)n, 0.0f,
                   j->partials + part * j->co * j->ck, (int)j->ck);
  free(cols);
}

static void conv_input_grad_chunk(void *ctx, int64_t part) {
  const conv_job *j = ctx;
  int64_t first, count;
  int32_t g[14];
  chunk_of(j, part, &first, &count, g);
  const window2d *w = &j->w;
  const int pointwise = w->kernel_h == 1 && w->kernel_w == 1 && w->stride_h == 1 && w->stride_w == 1 &&
                        w->pad_h == 0 && w->pad_w == 0 && w->out_h == w->height && w->out_w == w->width;
  float *images = j->out + first * image_floats(w);
  float *dcols = pointwise ? images : malloc((size_t)(count * j->ck * j->L) * sizeof(float));
  if (!dcols) {
    atomic_store(&((conv_job *)ctx)->failed, 1);
    return;
  }
  for (int64_t i = 0; i < count; i++)
    nabla_sgemm_here(1, 0, (int)j->ck, (int)j->L, (int)j->co, 1.0f, j->weight, (int)j->ck,
                     j->dy + (first + i) * j->co * j->L, (int)j->L, 0.0f, dcols + i * j->ck * j->L, (int)j->L);
  if (!pointwise) {
    col2im_serial(dcols, images, g);
    free(dcols);
  }
}

static void conv_job_init(conv_job *j, const int32_t *geometry, int64_t co, int64_t chunk) {
  j->w = window_of(geometry);
  j->geometry = geometry;
  j->co = co;
  j->chunk = chunk < 1 ? 1 : chunk;
  j->ck = j->w.channels * j->w.kernel_h * j->w.kernel_w;
  j->L = j->w.out_h * j->w.out_w;
  j->parts = (j->w.batch + j->chunk - 1) / j->chunk;
  atomic_init(&j->failed, 0);
}

/* The GEMM convolutions below return 0, or -1 when scratch memory did not allocate (the caller
 * then runs its own path). */

/** Forward convolution (groups 1), `chunk` images unfolded per GEMM: out = conv(x, weight) + bias. */
int nabla_conv2d_gemm_forward(const float *x, const float *weight, const float *bias, float *out,
                              const int32_t *geometry, int64_t co, int64_t chunk) {
  conv_job j = {0};
  conv_job_init(&j, geometry, co, chunk);
  j.x = x;
  j.weight = weight;
  j.bias = bias;
  j.out = out;
  nabla_parallel(j.parts, conv_forward_chunk, &j);
  return atomic_load(&j.failed) ? -1 : 0;
}

/** Its weight gradient, dw = Σ dy·colsᵀ: one partial per chunk, added in chunk order (the same
 * sums whichever thread ran a chunk). */
int nabla_conv2d_gemm_weight_grad(const float *dy, const float *x, float *dw, const int32_t *geometry, int64_t co,
                                  int64_t chunk) {
  conv_job j = {0};
  conv_job_init(&j, geometry, co, chunk);
  const int64_t size = co * j.ck;
  j.x = x;
  j.dy = dy;
  j.partials = malloc((size_t)(j.parts * size) * sizeof(float));
  if (!j.partials) return -1;
  nabla_parallel(j.parts, conv_weight_grad_chunk, &j);
  if (atomic_load(&j.failed)) {
    free(j.partials);
    return -1;
  }
  for (int64_t i = 0; i < size; i++) dw[i] = j.partials[i];
  for (int64_t p = 1; p < j.parts; p++)
    for (int64_t i = 0; i < size; i++) dw[i] += j.partials[p * size + i];
  free(j.partials);
  return 0;
}

/** Its input gradient: per image dcols = weightᵀ·dy, then col2im of the chunk into dx. */
int nabla_conv2d_gemm_input_grad(const float *dy, const float *weight, float *dx, const int32_t *geometry, int64_t co,
                                 int64_t chunk) {
  conv_job j = {0};
  conv_job_init(&j, geometry, co, chunk);
  j.dy = dy;
  j.weight = weight;
  j.out = dx;
  nabla_parallel(j.parts, conv_input_grad_chunk, &j);
  return atomic_load(&j.failed) ? -1 : 0;
}

/* Batch norm's channel kernels: the reductions in groups of NORM_LANES channels per part (each
 * channel's sums stay in one part, in the serial order), the affine pass in runs of `outer`. */
typedef struct {
  const float *x, *y, *dy;
  const double *a, *b, *d, *mean;
  double *out1, *out2;
  float *out;
  int64_t outer, channels, inner, parts;
} norm_job;

static int64_t norm_parts(int64_t units, int64_t elements) {
  const int threads = nabla_threads();
  return threads == 1 || elements < PARALLEL_ELEMENTS ? 1 : threads < units ? threads : units;
}

/* Channels [*lo, *hi) of part `part`: whole groups of NORM_LANES. */
static void channel_range(const norm_job *j, int64_t part, int64_t *lo, int64_t *hi) {
  const int64_t groups = (j->channels + NORM_LANES - 1) / NORM_LANES;
  *lo = groups * part / j->parts * NORM_LANES;
  const int64_t h = groups * (part + 1) / j->parts * NORM_LANES;
  *hi = h < j->channels ? h : j->channels;
}

static void moments_part(void *ctx, int64_t part) {
  const norm_job *j = ctx;
  int64_t lo, hi;
  channel_range(j, part, &lo, &hi);
  channel_moments_serial(j->x, j->out1, j->out2, j->outer, j->channels, j->inner, lo, hi);
}

void nabla_channel_moments(const float *x, double *mean, double *variance, int64_t outer, int64_t channels,
                           int64_t inner) {
  norm_job j = {.x = x, .out1 = mean, .out2 = variance, .outer = outer, .channels = channels, .inner = inner};
  j.parts = norm_parts((channels + NORM_LANES - 1) / NORM_LANES, outer * channels * inner);
  nabla_parallel(j.parts, moments_part, &j);
}

static void grad_sums_part(void *ctx, int64_t part) {
  const norm_job *j = ctx;
  int64_t lo, hi;
  channel_range(j, part, &lo, &hi);
  channel_grad_sums_serial(j->dy, j->x, j->mean, j->out1, j->out2, j->outer, j->channels, j->inner, lo, hi);
}

void nabla_channel_grad_sums(const float *dy, const float *x, const double *mean, double *sum_dy, double *sum_dy_xc,
                             int64_t outer, int64_t channels, int64_t inner) {
  norm_job j = {.dy = dy, .x = x, .mean = mean, .out1 = sum_dy, .out2 = sum_dy_xc, .outer = outer,
                .channels = channels, .inner = inner};
  j.parts = norm_parts((channels + NORM_LANES - 1) / NORM_LANES, outer * channels * inner);
  nabla_parallel(j.parts, grad_sums_part, &j);
}

static void affine_part(void *ctx, int64_t part) {
  const norm_job *j = ctx;
  const int64_t lo = j->outer * part / j->parts, hi = j->outer * (part + 1) / j->parts, at = lo * j->channels * j->inner;
  channel_affine_serial(j->x + at, j->y ? j->y + at : NULL, j->a, j->b, j->d, j->out + at, hi - lo, j->channels,
                        j->inner);
}

void nabla_channel_affine(const float *x, const float *y, const double *a, const double *b, const double *d, float *out,
                          int64_t outer, int64_t channels, int64_t inner) {
  norm_job j = {.x = x, .y = y, .a = a, .b = b, .d = d, .out = out, .outer = outer, .channels = channels,
                .inner = inner};
  j.parts = norm_parts(outer, outer * channels * inner);
  nabla_parallel(j.parts, affine_part, &j);
}

typedef struct {
  const float *dy;
  float *db;
  int64_t batch, channels, plane, parts;
} channel_sums_job;

static void channel_sums_part(void *ctx, int64_t part) {
  const channel_sums_job *j = ctx;
  const int64_t groups = (j->channels + 7) / 8;
  const int64_t lo = groups * part / j->parts * 8, hi = groups * (part + 1) / j->parts * 8;
  channel_sums_serial(j->dy, j->db, j->batch, j->channels, j->plane, lo, hi < j->channels ? hi : j->channels);
}

/** The channel sums above, groups of eight channels spread over the pool. */
void nabla_channel_sums(const float *dy, float *db, int64_t batch, int64_t channels, int64_t plane) {
  channel_sums_job j = {dy, db, batch, channels, plane, 1};
  j.parts = norm_parts((channels + 7) / 8, batch * channels * plane);
  nabla_parallel(j.parts, channel_sums_part, &j);
}

typedef struct {
  const float *src;
  const int32_t *index;
  float *out;
  int64_t outer, out_size, idx_size, inner, parts;
} scatter_job;

static void scatter_add_part(void *ctx, int64_t part) {
  const scatter_job *j = ctx;
  const int64_t lo = j->outer * part / j->parts, hi = j->outer * (part + 1) / j->parts;
  const int64_t in_at = lo * j->idx_size * j->inner;
  scatter_add_serial(j->src + in_at, j->index + in_at, j->out + lo * j->out_size * j->inner, hi - lo, j->out_size,
                     j->idx_size, j->inner);
}

/** Scatter-add in runs of `outer` (each writes only its own slice of out, in the serial order). */
void nabla_scatter_add(const float *src, const int32_t *index, float *out, int64_t outer, int64_t out_size,
                       int64_t idx_size, int64_t inner) {
  scatter_job j = {src, index, out, outer, out_size, idx_size, inner, 1};
  j.parts = norm_parts(outer, outer * idx_size * inner);
  nabla_parallel(j.parts, scatter_add_part, &j);
}
