// backend/native/c-kernels.ts: nabla's compiled kernels give the JavaScript reference's bits,
// for every optimizer option, ReLU (NaN, ±0), im2col/col2im windows and a conv's bias. Skipped,
// with the reason, where the library was not built (no C compiler at install).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsBackend } from '../../../src/backend/index.js';
import { Generator } from '../../../src/tensor/random.js';
import { convKernels, loadCKernels, withCKernels } from '../../../src/backend/native/c-kernels.js';
import type { Window2d } from '../../../src/backend/kernels.js';

const loaded = await loadCKernels();
const skip = loaded.kernels ? false : `compiled kernels not loaded: ${loaded.reason}`;
const c = loaded.kernels;

let seed = 99;
function random(n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = (seed / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

/** Bit patterns equal (NaN payloads and ±0 included). */
function assertBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++)
    if (a[i] !== e[i]) assert.fail(`${what}: element ${i} is ${actual[i]}, the reference gives ${expected[i]}`);
}

/** The window with its output size (PyTorch's formula, no ceil mode). */
function withOutput(g: Omit<Window2d, 'outH' | 'outW'>): Window2d {
  const outH = Math.floor((g.height + 2 * g.padH - g.dilationH * (g.kernelH - 1) - 1) / g.strideH) + 1;
  const outW = Math.floor((g.width + 2 * g.padW - g.dilationW * (g.kernelW - 1) - 1) / g.strideW) + 1;
  return { ...g, outH, outW };
}

const N = 5000; // above the kernels' minimum size, not a multiple of any vector width

describe('compiled kernels', { skip }, () => {
  const native = c ? withCKernels(jsBackend, c) : jsBackend;

  /** Runs `step` on copies with the reference and the compiled optimizer, several steps, and compares every array. */
  function sameSteps(
    what: string,
    arrays: number,
    step: (k: typeof jsBackend.optim, a: Float32Array[], t: number) => void,
  ): void {
    const start = Array.from({ length: arrays }, (_, i) => random(N, i === 1 ? 2 : 1));
    // State arrays (index ≥ 2) start non-negative where they hold squares.
    for (let i = 2; i < arrays; i++) start[i] = start[i].map(Math.abs);
    const ref = start.map((a) => a.slice());
    const got = start.map((a) => a.slice());
    for (let t = 1; t <= 3; t++) {
      step(jsBackend.optim, ref, t);
      step(native.optim, got, t);
    }
    ref.forEach((r, i) => assertBits(got[i], r, `${what}, array ${i}`));
  }

  it('SGD: plain, momentum (first step too), dampening, Nesterov, weight decay, maximize', () => {
    const base = { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    const cases = [
      { ...base },
      { ...base, momentum: 0.9 },
      { ...base, momentum: 0.9, dampening: 0.1 },
      { ...base, momentum: 0.9, nesterov: true },
      { ...base, momentum: 0.8, weightDecay: 1e-2 },
      { ...base, momentum: 0.9, maximize: true },
      { ...base, weightDecay: 0.1, maximize: true },
    ];
    for (const h of cases)
      sameSteps(`SGD ${JSON.stringify(h)}`, 3, (k, [p, g, b], t) =>
        k.sgd(p, g, h.momentum ? b : null, h.momentum !== 0 && t === 1, h),
      );
  });

  it('Adam and AdamW: plain, L2, decoupled decay, amsgrad, maximize', () => {
    const base = {
      lr: 1e-3,
      betas: [0.9, 0.999] as readonly [number, number],
      eps: 1e-8,
      weightDecay: 0,
      maximize: false,
    };
    const cases: [typeof base, boolean, boolean][] = [
      [base, false, false],
      [{ ...base, weightDecay: 0.01 }, false, false],
      [{ ...base, weightDecay: 0.01 }, true, false],
      [base, false, true],
      [{ ...base, maximize: true, betas: [0.8, 0.99] }, true, true],
    ];
    for (const [h, decoupled, ams] of cases)
      sameSteps(`Adam ${JSON.stringify(h)} decoupled=${decoupled} amsgrad=${ams}`, 5, (k, [p, g, m, v, vMax], t) =>
        k.adam(p, g, m, v, ams ? vMax : null, t, h, decoupled),
      );
  });

  it('RMSprop (centered, momentum, decay, maximize), Adagrad and Adadelta', () => {
    const r = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, maximize: false };
    for (const [h, centered] of [
      [r, false],
      [{ ...r, momentum: 0.9, weightDecay: 0.1 }, true],
      [{ ...r, maximize: true }, true],
    ] as const)
      sameSteps(`RMSprop ${JSON.stringify(h)} centered=${centered}`, 5, (k, [p, g, sq, buf, ga]) =>
        k.rmsprop(p, g, sq, h.momentum ? buf : null, centered ? ga : null, h),
      );
    const a = { lr: 0.01, lrDecay: 0.1, eps: 1e-10, weightDecay: 0.01, maximize: false };
    sameSteps('Adagrad', 3, (k, [p, g, sum], t) => k.adagrad(p, g, sum, t, a));
    sameSteps('Adagrad maximize', 3, (k, [p, g, sum], t) => k.adagrad(p, g, sum, t, { ...a, maximize: true }));
    const d = { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0.01, maximize: false };
    sameSteps('Adadelta', 4, (k, [p, g, v, u]) => k.adadelta(p, g, v, u, d));
  });

  it('add, sub, mul and div of dense arrays give the reference’s bits, in place too', () => {
    const a = random(N, 1e3);
    const b = random(N);
    // Subnormal, overflowing and signed-zero results, and ties that round to even.
    a.set([1e-30, 3e38, -0, 0, 16777217, 1, Number.POSITIVE_INFINITY]);
    b.set([1e-15, 3e38, 0, -0, 1, 3, 0]);
    const dense = (data: Float32Array) => ({ data, strides: [1], offset: 0 });
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      const ref = new Float32Array(N);
      const got = new Float32Array(N);
      jsBackend.binary[op](dense(a), dense(b), ref, [N]);
      native.binary[op](dense(a), dense(b), got, [N]);
      assertBits(got, ref, op);
      const inPlace = a.slice();
      native.binary[op](dense(inPlace), dense(b), inPlace, [N]);
      assertBits(inPlace, ref, `${op} into its first operand`);
      // Overlapping but not the same: the reference's element-by-element order decides.
      const shifted = new Float32Array(N + 1);
      shifted.set(a);
      const refShifted = shifted.slice();
      jsBackend.binary[op](dense(refShifted), dense(b), refShifted.subarray(1), [N]);
      native.binary[op](dense(shifted), dense(b), shifted.subarray(1), [N]);
      assertBits(shifted, refShifted, `${op} into an overlapping view`);
    }
  });

  it('ReLU and its backward keep NaN, turn -0 into +0', () => {
    const x = random(N);
    x.set([Number.NaN, -0, 0, -Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45]);
    const ref = new Float32Array(N);
    const got = new Float32Array(N);
    jsBackend.unary.relu(x, ref);
    native.unary.relu(x, got);
    assertBits(got, ref, 'relu');
    const dy = random(N);
    const refBack = new Float32Array(N);
    for (let i = 0; i < N; i++) refBack[i] = x[i] <= 0 ? 0 : dy[i];
    const gotBack = new Float32Array(N);
    native.reluBackward?.(x, dy, gotBack);
    assertBits(gotBack, refBack, 'reluBackward');
  });

  it('im2col and col2im equal the reference for padded, strided and dilated windows', () => {
    const windows: Omit<Window2d, 'outH' | 'outW'>[] = [
      {
        batch: 2,
        channels: 3,
        height: 12,
        width: 11,
        kernelH: 3,
        kernelW: 3,
        strideH: 1,
        strideW: 1,
        padH: 1,
        padW: 1,
        dilationH: 1,
        dilationW: 1,
      },
      {
        batch: 3,
        channels: 2,
        height: 15,
        width: 17,
        kernelH: 5,
        kernelW: 3,
        strideH: 2,
        strideW: 3,
        padH: 2,
        padW: 0,
        dilationH: 1,
        dilationW: 2,
      },
      {
        batch: 1,
        channels: 4,
        height: 20,
        width: 20,
        kernelH: 2,
        kernelW: 4,
        strideH: 3,
        strideW: 1,
        padH: 0,
        padW: 3,
        dilationH: 2,
        dilationW: 1,
      },
    ];
    for (const g of windows) {
      const w = withOutput(g);
      const { outH, outW } = w;
      const x = random(g.batch * g.channels * g.height * g.width);
      const size = g.batch * g.channels * g.kernelH * g.kernelW * outH * outW;
      const ref = new Float32Array(size);
      const got = new Float32Array(size).fill(7);
      jsBackend.im2col(x, ref, w);
      native.im2col(x, got, w);
      assertBits(got, ref, `im2col ${JSON.stringify(g)}`);
      const cols = random(size);
      const back = new Float32Array(x.length);
      const gotBack = new Float32Array(x.length).fill(3);
      jsBackend.col2im(cols, back, w);
      native.col2im(cols, gotBack, w);
      assertBits(gotBack, back, `col2im ${JSON.stringify(g)}`);
    }
  });

  it('a convolution’s bias add and bias gradient (float64 channel sums)', () => {
    const bias = c ? convKernels(c) : null;
    // Five channels (one short group of the eight summed side by side) and 19 (three groups).
    for (const [batch, channels, plane] of [
      [3, 5, 700],
      [2, 19, 300],
    ]) {
      const out = random(batch * channels * plane);
      const b = random(channels);
      const ref = out.slice();
      for (let p = 0; p < batch * channels; p++) for (let i = 0; i < plane; i++) ref[p * plane + i] += b[p % channels];
      bias?.addChannelBias(out, b, batch * channels, channels, plane);
      assertBits(out, ref, 'bias add');
      const db = new Float32Array(channels);
      const refDb = new Float32Array(channels);
      for (let ch = 0; ch < channels; ch++) {
        let s = 0;
        for (let n = 0; n < batch; n++) for (let i = 0; i < plane; i++) s += out[(n * channels + ch) * plane + i];
        refDb[ch] = s;
      }
      bias?.channelSums(out, db, batch, channels, plane);
      assertBits(db, refDb, `bias gradient, ${channels} channels`);
    }
  });

  it('float64 and small arrays stay on the kernels underneath', () => {
    const p = new Float64Array([1, 2, 3]);
    native.optim.sgd(p, new Float64Array([1, 1, 1]), null, false, {
      lr: 0.5,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    });
    assert.deepEqual([...p], [0.5, 1.5, 2.5]);
  });
});

describe('compiled pooling kernels', { skip }, () => {
  const native = c ? withCKernels(jsBackend, c) : jsBackend;

  it('max pooling gives the reference’s values and argmax indices (ties, NaN, padding, dilation)', () => {
    const windows: Omit<Window2d, 'outH' | 'outW'>[] = [
      {
        batch: 4,
        channels: 6,
        height: 28,
        width: 28,
        kernelH: 2,
        kernelW: 2,
        strideH: 2,
        strideW: 2,
        padH: 0,
        padW: 0,
        dilationH: 1,
        dilationW: 1,
      },
      {
        batch: 2,
        channels: 3,
        height: 13,
        width: 17,
        kernelH: 3,
        kernelW: 3,
        strideH: 2,
        strideW: 1,
        padH: 1,
        padW: 1,
        dilationH: 2,
        dilationW: 1,
      },
    ];
    for (const g of windows) {
      const w = withOutput(g);
      const { outH, outW } = w;
      const x = random(g.batch * g.channels * g.height * g.width).map((v) => Math.round(v * 8) / 8); // ties
      x[5] = Number.NaN;
      x[g.width + 5] = Number.NaN; // a second NaN in the same window: the first one's index stays
      for (const i of [0, 1, g.width, g.width + 1]) x[i] = Number.NEGATIVE_INFINITY; // an all -inf window
      const n = g.batch * g.channels * outH * outW;
      const [ref, got] = [new Float32Array(n), new Float32Array(n)];
      const [refIdx, gotIdx] = [new Int32Array(n), new Int32Array(n)];
      jsBackend.maxPool2d(x, ref, refIdx, w);
      native.maxPool2d(x, got, gotIdx, w);
      assertBits(got, ref, `maxPool2d ${JSON.stringify(g)}`);
      assert.deepEqual(gotIdx, refIdx);
    }
  });

  it('float32 sums over any axis equal the reference (float64 accumulators, rows in order)', () => {
    for (const [outer, size, inner] of [
      [1, 128, 512],
      [4, 3000, 1],
      [3, 7, 1000],
      [1, 9000, 1],
    ]) {
      const x = random(outer * size * inner, 100);
      const ref = new Float32Array(outer * inner);
      const got = new Float32Array(outer * inner);
      jsBackend.reduce.sum(x, ref, outer, size, inner);
      native.reduce.sum(x, got, outer, size, inner);
      assertBits(got, ref, `sum [${outer}, ${size}, ${inner}]`);
    }
  });

  it('scatter-add accumulates in the reference’s order', () => {
    const [outer, outSize, idxSize, inner] = [3, 50, 40, 30];
    const src = random(outer * idxSize * inner);
    const index = Int32Array.from({ length: src.length }, (_, i) => (i * 7919) % outSize);
    const ref = random(outer * outSize * inner);
    const got = ref.slice();
    jsBackend.scatterAdd(src, index, ref, outer, outSize, idxSize, inner);
    native.scatterAdd(src, index, got, outer, outSize, idxSize, inner);
    assertBits(got, ref, 'scatterAdd');
  });
});

describe('compiled dropout masks', { skip }, () => {
  const native = c ? withCKernels(jsBackend, c) : jsBackend;

  it("draw the generator's stream: the reference's mask bits and the same state after", () => {
    // keep · 2^32 an integer (0.5), not one (0.3, 1/3), the ends (0, 1) and just below 1.
    for (const keep of [0, 0.3, 1 / 3, 0.5, 0.75, 1 - 2 ** -40, 1]) {
      const value = keep === 0 ? 0 : 1 / keep;
      const ref = new Generator(7);
      const got = new Generator(7);
      const expected = new Float32Array(N);
      const actual = new Float32Array(N).fill(Number.NaN);
      jsBackend.random.bernoulliMask(ref.stateWords(), expected, keep, value);
      native.random.bernoulliMask(got.stateWords(), actual, keep, value);
      assertBits(actual, expected, `keep ${keep}`);
      assert.deepEqual([...got.stateWords()], [...ref.stateWords()], `state after, keep ${keep}`);
      assert.equal(got.random(), ref.random());
    }
  });
});

describe('the reference dropout mask', () => {
  it('match generator.random() draw by draw (the reference kernel)', () => {
    for (const keep of [0, 0.3, 1 / 3, 0.5, 0.6, 1 - 2 ** -40, 1]) {
      const g = new Generator(3);
      const draws = Array.from({ length: 2000 }, () => g.random());
      const mask = new Float32Array(2000);
      jsBackend.random.bernoulliMask(new Generator(3).stateWords(), mask, keep, 2.5);
      assert.deepEqual(
        [...mask],
        draws.map((u) => (u < keep ? 2.5 : 0)),
        `keep ${keep}`,
      );
    }
  });
});

describe('compiled batch-norm channel kernels', { skip }, () => {
  const native = c ? withCKernels(jsBackend, c) : jsBackend;
  /** Bit patterns of float64 arrays equal. */
  const sameDoubles = (actual: Float64Array, expected: Float64Array, what: string): void =>
    assert.deepEqual([...new BigUint64Array(actual.buffer)], [...new BigUint64Array(expected.buffer)], what);

  // Channel counts below, at and past the eight the kernels run side by side; inner of 1 as after Linear.
  for (const [outer, channels, inner] of [
    [7, 3, 331],
    [5, 8, 197],
    [4, 11, 129],
    [4099, 5, 1],
  ]) {
    const what = `[${outer}, ${channels}, ${inner}]`;
    it(`moments, gradient sums and the affine pass give the reference's bits on ${what}`, () => {
      const n = outer * channels * inner;
      const x = random(n, 3).map((v) => v + 0.25);
      const dy = random(n);
      const expectMean = new Float64Array(channels);
      const expectVar = new Float64Array(channels);
      const mean = new Float64Array(channels);
      const variance = new Float64Array(channels);
      jsBackend.channelMoments(x, expectMean, expectVar, outer, channels, inner);
      native.channelMoments(x, mean, variance, outer, channels, inner);
      sameDoubles(mean, expectMean, `mean ${what}`);
      sameDoubles(variance, expectVar, `variance ${what}`);

      const expectS = new Float64Array(channels);
      const expectSx = new Float64Array(channels);
      const s = new Float64Array(channels);
      const sx = new Float64Array(channels);
      jsBackend.channelGradSums(dy, x, expectMean, expectS, expectSx, outer, channels, inner);
      native.channelGradSums(dy, x, expectMean, s, sx, outer, channels, inner);
      sameDoubles(s, expectS, `sumDy ${what}`);
      sameDoubles(sx, expectSx, `sumDyXc ${what}`);

      const [a, b, d] = [1.7, -0.3, 0.05].map((k) =>
        Float64Array.from({ length: channels }, (_, i) => (k * (i + 1)) / 3),
      );
      for (const y of [null, dy]) {
        const expected = new Float32Array(n);
        const actual = new Float32Array(n).fill(Number.NaN);
        jsBackend.channelAffine(x, y, a, b, d, expected, outer, channels, inner);
        native.channelAffine(x, y, a, b, d, actual, outer, channels, inner);
        assertBits(actual, expected, `affine ${y ? 'with' : 'without'} y ${what}`);
      }
    });
  }
});
