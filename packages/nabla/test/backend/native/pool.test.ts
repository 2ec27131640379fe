// backend/native/pool.ts and native/pool.c: GEMMs split over the compiled kernels' thread pool
// and the kernels run in parts give what one thread gives — the same bits where each part
// computes its own outputs, the same sums up to rounding where parts add (the direct weight
// gradient) — and the convolutions as chunked unfolding + GEMM match a float64 convolution.
// Skipped, with the reason, without the compiled kernels or a BLAS.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import type { ConvWindow } from '../../../src/backend/kernels.js';
import { loadBlas } from '../../../src/backend/native/blas.js';
import { convKernels, loadCKernels, withCKernels } from '../../../src/backend/native/c-kernels.js';
import { pooledBlas } from '../../../src/backend/native/pool.js';
import { jsBackend } from '../../../src/backend/index.js';

const loaded = await loadCKernels();
const { blas } = await loadBlas();
const c = loaded.kernels;
const pooled = c && blas ? pooledBlas(blas, c) : null;
const skip = !c
  ? `compiled kernels not loaded: ${loaded.reason}`
  : !blas
    ? 'no BLAS loads'
    : !pooled
      ? 'the compiled kernels do not find the BLAS'
      : false;

let seed = 7;
function random(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = seed / 2 ** 32 - 0.5;
  }
  return out;
}

function assertBits(actual: Float32Array | Int32Array, expected: Float32Array | Int32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  assert.equal(a.length, e.length, what);
  for (let i = 0; i < a.length; i++)
    if (a[i] !== e[i]) assert.fail(`${what}: element ${i} is ${actual[i]}, one thread gives ${expected[i]}`);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol * (1 + Math.abs(expected[i]))))
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/** `fn()` with the pool at `threads`, then back at one. */
function at<T>(threads: number, fn: () => T): T {
  pooled!.setThreads(threads);
  try {
    return fn();
  } finally {
    pooled!.setThreads(1);
  }
}

function windowOf(g: Omit<ConvWindow, 'outH' | 'outW'>): ConvWindow {
  const outH = Math.floor((g.height + 2 * g.padH - g.dilationH * (g.kernelH - 1) - 1) / g.strideH) + 1;
  const outW = Math.floor((g.width + 2 * g.padW - g.dilationW * (g.kernelW - 1) - 1) / g.strideW) + 1;
  return { ...g, outH, outW };
}

/** Input index of output (oh, ow) under tap (ki, kj), or -1 in the padding. */
function source(w: ConvWindow, oh: number, ow: number, ki: number, kj: number): number {
  const ih = oh * w.strideH - w.padH + ki * w.dilationH;
  const iw = ow * w.strideW - w.padW + kj * w.dilationW;
  return ih < 0 || ih >= w.height || iw < 0 || iw >= w.width ? -1 : ih * w.width + iw;
}

/** The convolution, its weight gradient and input gradient in float64, straight from the definition. */
function reference(w: ConvWindow, x: Float32Array, weight: Float32Array, bias: Float32Array, dy: Float32Array) {
  const { batch, channels: ci, outChannels: co, kernelH: kh, kernelW: kw } = w;
  const plane = w.height * w.width;
  const L = w.outH * w.outW;
  const out = new Float64Array(batch * co * L);
  const dw = new Float64Array(co * ci * kh * kw);
  const dx = new Float64Array(batch * ci * plane);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < co; o++)
      for (let oh = 0; oh < w.outH; oh++)
        for (let ow = 0; ow < w.outW; ow++) {
          const at = (n * co + o) * L + oh * w.outW + ow;
          let s = bias[o];
          for (let c = 0; c < ci; c++)
            for (let ki = 0; ki < kh; ki++)
              for (let kj = 0; kj < kw; kj++) {
                const src = source(w, oh, ow, ki, kj);
                if (src < 0) continue;
                const wi = ((o * ci + c) * kh + ki) * kw + kj;
                const xi = (n * ci + c) * plane + src;
                s += weight[wi] * x[xi];
                dw[wi] += dy[at] * x[xi];
                dx[xi] += dy[at] * weight[wi];
              }
          out[at] = s;
        }
  return { out, dw, dx };
}

describe('the compiled kernels’ thread pool', { skip }, () => {
  after(() => pooled?.setThreads(1));
  const native = c ? withCKernels(jsBackend, c) : jsBackend;

  it('serves callers on several threads at once (worker_threads sharing the one library)', {
    timeout: 60_000,
  }, async () => {
    // Each worker splits GEMMs and elementwise kernels over the pool at 2 threads while the other
    // does the same; a second caller runs its parts alone instead of taking over the first's job.
    const { Worker } = await import('node:worker_threads');
    const run = () =>
      new Promise((resolve, reject) => {
        // Worker threads do not inherit tsx's loader: the worker registers it, then loads the caller.
        const caller = JSON.stringify(new URL('./pool-caller.ts', import.meta.url).href);
        const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${caller}); })`;
        const w = new Worker(boot, { eval: true });
        w.once('message', (m) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      });
    assert.deepEqual(await Promise.all([run(), run(), run()]), [0, 0, 0]);
  });

  it('keeps working when worker threads load the library again after the last one closed it', () => {
    // Each worker's FFI handle is closed when it exits; before the library pinned itself, the next
    // load mapped a fresh copy over the old one's sleeping workers and hung about one run in three.
    const script = new URL('./pool-reload.ts', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr.slice(-500)}`);
    assert.equal(r.stdout.trim(), 'wrong 0');
  });

  it('splits a GEMM into blocks of rows or columns that equal one thread’s product', () => {
    // [m, n, k, transA, transB]: wide C with few rows (split by columns), tall C or 64+ rows a
    // thread (by rows), both transposes.
    const shapes: [number, number, number, boolean, boolean][] = [
      [64, 300, 50, false, false],
      [192, 400, 40, true, false],
      [300, 40, 70, true, false],
      [200, 48, 30, false, false],
      [33, 257, 65, false, true],
      [129, 100, 40, true, true],
    ];
    for (const [m, n, k, ta, tb] of shapes) {
      const a = random(m * k);
      const b = random(k * n);
      const one = new Float32Array(m * n);
      blas!.gemm(ta, tb, m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 0, one, n);
      for (const threads of [2, 3]) {
        const split = new Float32Array(m * n).fill(Number.NaN);
        at(threads, () => pooled!.gemm(ta, tb, m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 0, split, n));
        assertClose(split, one, 1e-6, `${m}x${n}x${k} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} on ${threads} threads`);
      }
    }
  });

  it('runs elementwise kernels in ranges that give one thread’s bits', () => {
    const n = 70001; // above the parallel minimum, not a multiple of 16
    const x = random(n);
    const dy = random(n);
    for (const threads of [2, 3]) {
      const run = (t: number) => {
        const relu = new Float32Array(n);
        const back = new Float32Array(n);
        const p = random(n).map((v, i) => v + i * 1e-7);
        const buf = random(n);
        const m = random(n);
        const v = random(n).map(Math.abs);
        at(t, () => {
          native.unary.relu(x, relu);
          native.reluBackward!(x, dy, back);
          native.optim.sgd(p, dy, buf, false, {
            lr: 0.1,
            momentum: 0.9,
            dampening: 0,
            weightDecay: 0,
            nesterov: false,
            maximize: false,
          });
          native.optim.adam(
            p,
            dy,
            m,
            v,
            null,
            3,
            { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
            false,
          );
        });
        return [relu, back, p, buf, m, v];
      };
      seed = 11;
      const one = run(1);
      seed = 11;
      const many = run(threads);
      for (let i = 0; i < one.length; i++) assertBits(many[i], one[i], `array ${i} on ${threads} threads`);
    }
  });

  it('runs channel sums and batch norm’s channel kernels in groups of channels or runs of rows with one thread’s bits', () => {
    // 21 channels: three groups of eight, the last one short.
    const [outer, channels, inner] = [5, 21, 1000];
    const x = random(outer * channels * inner);
    const y = random(x.length);
    const dy = random(x.length);
    const a = Float64Array.from(random(channels));
    const b = Float64Array.from(random(channels));
    const d = Float64Array.from(random(channels));
    const run = (t: number) => {
      const mean = new Float64Array(channels);
      const variance = new Float64Array(channels);
      const sumDy = new Float64Array(channels);
      const sumDyXc = new Float64Array(channels);
      const out = new Float32Array(x.length);
      const db = new Float32Array(channels);
      at(t, () => {
        convKernels(c!).channelSums(dy, db, outer, channels, inner);
        native.channelMoments(x, mean, variance, outer, channels, inner);
        native.channelGradSums(dy, x, mean, sumDy, sumDyXc, outer, channels, inner);
        native.channelAffine(x, y, a, b, d, out, outer, channels, inner);
      });
      return [mean, variance, sumDy, sumDyXc, out, db].map((v) => new Float32Array(new Uint8Array(v.buffer).buffer));
    };
    const one = run(1);
    for (const threads of [2, 3]) {
      const many = run(threads);
      one.forEach((v, i) => assertBits(many[i], v, `channel kernel output ${i} on ${threads} threads`));
    }
  });

  it('scatter-adds in runs of the outer axis with one thread’s bits', () => {
    const [outer, outSize, idxSize, inner] = [7, 60, 50, 200]; // 70,000 elements scattered
    const src = random(outer * idxSize * inner);
    const index = Int32Array.from({ length: src.length }, (_, i) => (i * 7919) % outSize);
    const start = random(outer * outSize * inner);
    const run = (t: number) => {
      const out = start.slice();
      at(t, () => native.scatterAdd(src, index, out, outer, outSize, idxSize, inner));
      return out;
    };
    const one = run(1);
    for (const threads of [2, 3]) assertBits(run(threads), one, `scatterAdd on ${threads} threads`);
  });

  it('runs image kernels in runs of images that give one thread’s bits', () => {
    const w = windowOf({
      batch: 7,
      channels: 3,
      height: 30,
      width: 29,
      kernelH: 5,
      kernelW: 5,
      strideH: 1,
      strideW: 1,
      padH: 2,
      padW: 2,
      dilationH: 1,
      dilationW: 1,
      outChannels: 10,
    });
    const L = w.outH * w.outW;
    const ck = w.channels * w.kernelH * w.kernelW;
    const x = random(w.batch * w.channels * w.height * w.width);
    const weight = random(w.outChannels * ck);
    const bias = random(w.outChannels);
    const dy = random(w.batch * w.outChannels * L);
    const cols = random(w.batch * ck * L);
    const pool = windowOf({ ...w, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0 });
    const conv = convKernels(c!);
    const run = (t: number) => {
      const unfolded = new Float32Array(cols.length);
      const folded = new Float32Array(x.length);
      const pooledOut = new Float32Array(w.batch * w.channels * pool.outH * pool.outW);
      const indices = new Int32Array(pooledOut.length);
      const out = new Float32Array(w.batch * w.outChannels * L);
      const dw = new Float32Array(weight.length);
      at(t, () => {
        native.im2col(x, unfolded, w);
        native.col2im(cols, folded, w);
        native.maxPool2d(x, pooledOut, indices, pool);
        conv.thinForward(x, weight, bias, out, w);
        conv.thinWeightGrad(dy, x, dw, w);
      });
      return { unfolded, folded, pooledOut, indices, out, dw };
    };
    const one = run(1);
    for (const threads of [2, 3]) {
      const many = run(threads);
      assertBits(many.unfolded, one.unfolded, `im2col on ${threads} threads`);
      assertBits(many.folded, one.folded, `col2im on ${threads} threads`);
      assertBits(many.pooledOut, one.pooledOut, `max pool on ${threads} threads`);
      assertBits(many.indices, one.indices, `max pool indices on ${threads} threads`);
      assertBits(many.out, one.out, `direct convolution on ${threads} threads`);
      // One partial gradient per part, added in part order: the same sums, rounded differently.
      assertClose(many.dw, one.dw, 1e-5, `direct weight gradient on ${threads} threads`);
    }
  });

  it('convolves as chunked unfolding + GEMM: forward, weight and input gradients match float64', () => {
    const windows = [
      // strided and padded, 7 images in chunks of 2 (a short last chunk)
      windowOf({
        batch: 7,
        channels: 3,
        height: 11,
        width: 9,
        kernelH: 3,
        kernelW: 3,
        strideH: 2,
        strideW: 1,
        padH: 1,
        padW: 1,
        dilationH: 1,
        dilationW: 2,
        outChannels: 5,
      }),
      // pointwise: the input gradient's GEMM writes the images directly
      windowOf({
        batch: 3,
        channels: 4,
        height: 6,
        width: 5,
        kernelH: 1,
        kernelW: 1,
        strideH: 1,
        strideW: 1,
        padH: 0,
        padW: 0,
        dilationH: 1,
        dilationW: 1,
        outChannels: 6,
      }),
    ];
    const gemm = convKernels(c!).gemm!;
    for (const w of windows) {
      const L = w.outH * w.outW;
      const ck = w.channels * w.kernelH * w.kernelW;
      const x = random(w.batch * w.channels * w.height * w.width);
      const weight = random(w.outChannels * ck);
      const bias = random(w.outChannels);
      const dy = random(w.batch * w.outChannels * L);
      const ref = reference(w, x, weight, bias, dy);
      for (const threads of [1, 2, 3]) {
        for (const chunk of [1, 2, w.batch]) {
          const out = new Float32Array(ref.out.length).fill(Number.NaN);
          const dw = new Float32Array(ref.dw.length).fill(Number.NaN);
          const dx = new Float32Array(ref.dx.length).fill(Number.NaN);
          at(threads, () => {
            assert.ok(gemm.forward(x, weight, bias, out, w, chunk));
            assert.ok(gemm.weightGrad(dy, x, dw, w, chunk));
            assert.ok(gemm.inputGrad(dy, weight, dx, w, chunk));
          });
          const what = `${w.kernelH}x${w.kernelW} window, ${threads} threads, chunks of ${chunk}`;
          assertClose(out, ref.out, 1e-5, `forward, ${what}`);
          assertClose(dw, ref.dw, 1e-5, `weight gradient, ${what}`);
          assertClose(dx, ref.dx, 1e-5, `input gradient, ${what}`);
        }
      }
    }
  });
});
