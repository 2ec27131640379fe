import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backendInfo,
  getBackend,
  jsBackend,
  setBackend,
  setNumThreads,
  type Backend,
} from '../../src/backend/index.js';
import type { ConvWindow } from '../../src/backend/kernels.js';
import { loadBlas } from '../../src/backend/native/blas.js';
import { setNativeChunkFloats, setNativeThinK } from '../../src/backend/native/conv.js';
import { initNative } from '../../src/backend/native/index.js';
import type { FloatArray } from '../../src/tensor/dtype.js';

// Where no BLAS loads (a machine without OpenBLAS), the parity tests are skipped with the reason;
// CI installs OpenBLAS (scripts/install-openblas.sh), so there they run.
const started = await initNative({ select: false });
const native: Backend | null = typeof started === 'string' ? null : started;
const skip = native ? false : `no native backend: ${String(started)}`;

let seed = 12345;
function random(n: number, f64 = false): FloatArray {
  const out = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = seed / 2 ** 32 - 0.5;
  }
  return out;
}

function assertNear(actual: FloatArray, expected: FloatArray, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i]));
    assert.ok(ok, `${what}: element ${i} is ${actual[i]}, the js backend gives ${expected[i]}`);
  }
}

describe('native BLAS loader', () => {
  it('gives a one-line reason naming the path when a library does not load', async () => {
    const { blas, reason } = await loadBlas(['/nonexistent/libnot-a-blas.so.0']);
    assert.equal(blas, null);
    assert.match(reason ?? '', /^no BLAS library loads: tried \/nonexistent\/libnot-a-blas\.so\.0 \(/);
    assert.ok(!(reason ?? '').includes('\n'), 'one line');
  });

  it('rejects a library without CBLAS GEMMs', { skip: process.platform !== 'linux' }, async () => {
    const { blas, reason } = await loadBlas(['libc.so.6']);
    assert.equal(blas, null);
    assert.match(reason ?? '', /libc\.so\.6 \(no CBLAS GEMM/);
  });

  it("setBackend('native') names the reason when none loaded, and backendInfo reports it", async () => {
    if (native) return;
    assert.throws(() => setBackend('native'), /setBackend\('native'\): /);
    assert.equal(backendInfo().nativeUnavailable, started);
  });

  it('backendInfo reports the backend, the BLAS, its kernel and threads; setNumThreads sets both pools', {
    skip,
  }, async () => {
    setBackend('native');
    try {
      const info = backendInfo();
      assert.equal(info.backend, 'native');
      assert.equal(getBackend().name, 'native');
      assert.ok(info.blas, 'blas info');
      assert.ok(['OpenBLAS', 'MKL', 'BLIS', 'Accelerate'].includes(info.blas.library));
      assert.ok(info.blas.path.length > 0);
      if (info.blas.library === 'OpenBLAS') {
        assert.ok(info.blas.corename && info.blas.corename.length > 0, 'OpenBLAS names its kernel');
        assert.match(info.blas.config ?? '', /OpenBLAS/);
      }
      assert.equal(info.nativeUnavailable, null);
      const before = info.threads;
      await setNumThreads(1);
      assert.equal(backendInfo().threads, 1);
      if (backendInfo().wasm) assert.equal(backendInfo().wasm?.threads, 1);
      await setNumThreads(before);
      assert.equal(backendInfo().threads, before);
    } finally {
      setBackend(jsBackend);
    }
  });
});

/** [batch, m, k, n, transA, transB, A broadcast, B broadcast] */
type Case = [number, number, number, number, boolean, boolean, boolean, boolean];
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [1, 1, 300, 1],
  [1, 20, 1, 30],
  [1, 0, 5, 4],
  [2, 3, 0, 4],
  [0, 3, 4, 5],
  [1, 16, 16, 16],
  [3, 17, 33, 29],
  [4, 1, 64, 10],
  [2, 65, 31, 1],
  [5, 40, 12, 9],
  [1, 128, 96, 70],
  [1, 1, 200, 40],
  [3, 30, 40, 1],
];
const CASES: Case[] = SHAPES.flatMap(([batch, m, k, n]) =>
  [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ].flatMap(([tA, tB]) =>
    [
      [false, false],
      [true, false],
      [false, true],
    ].map(([bA, bB]) => [batch, m, k, n, tA, tB, bA, bB] as Case),
  ),
);

describe('native matmul against the js backend', { skip }, () => {
  for (const f64 of [false, true]) {
    it(`every transpose, batch stride and broadcast, size-0/1 dims (${f64 ? 'float64' : 'float32'})`, () => {
      for (const [batch, m, k, n, tA, tB, bA, bB] of CASES) {
        const sa = bA ? 0 : m * k;
        const sb = bB ? 0 : k * n;
        // Operands are views at an offset into larger arrays: the FFI must honour byteOffset.
        const a = random(3 + Math.max(1, sa * batch, m * k), f64).subarray(3);
        const b = random(5 + Math.max(1, sb * batch, k * n), f64).subarray(5);
        const expected = f64 ? new Float64Array(batch * m * n) : new Float32Array(batch * m * n);
        const actual = expected.slice().fill(Number.NaN);
        jsBackend.matmul(a, b, expected, batch, m, k, n, tA, tB, sa, sb);
        native?.matmul(a, b, actual, batch, m, k, n, tA, tB, sa, sb);
        assertNear(
          actual,
          expected,
          f64 ? 1e-12 : 2e-5,
          `${batch}x[${m},${k}]·[${k},${n}] tA=${tA} tB=${tB} bA=${bA} bB=${bB}`,
        );
      }
    });
  }
});

describe('native GEMV', { skip }, () => {
  it('a one-row product below the threading size runs on one BLAS thread and leaves the count as it was', async () => {
    const before = backendInfo().threads;
    setBackend('native');
    try {
      await setNumThreads(2);
      const [k, n] = [300, 200];
      const a = random(k);
      const b = random(k * n);
      const expected = new Float32Array(n);
      const actual = new Float32Array(n);
      jsBackend.matmul(a, b, expected, 1, 1, k, n, false, true, 0, 0);
      native?.matmul(a, b, actual, 1, 1, k, n, false, true, 0, 0);
      assertNear(actual, expected, 2e-5, '1x300 @ (200x300)T');
      if (backendInfo().blas?.threads !== null) assert.equal(backendInfo().blas?.threads, 2);
    } finally {
      await setNumThreads(before);
      setBackend(jsBackend);
    }
  });
});

describe('native GEMM threading', { skip }, () => {
  it('products below and at 2^24 multiply-adds are right and leave the BLAS thread count as it was', async () => {
    const before = backendInfo().threads;
    setBackend('native');
    try {
      await setNumThreads(2);
      // 64x400x120 runs on one thread, 256x256x256 (exactly 2^24) on both.
      for (const [m, k, n] of [
        [64, 400, 120],
        [256, 256, 256],
      ]) {
        const a = random(m * k);
        const b = random(k * n);
        const expected = new Float32Array(m * n);
        const actual = new Float32Array(m * n);
        jsBackend.matmul(a, b, expected, 1, m, k, n, false, false, 0, 0);
        native?.matmul(a, b, actual, 1, m, k, n, false, false, 0, 0);
        assertNear(actual, expected, 1e-4, `${m}x${k} @ ${k}x${n}`);
        if (backendInfo().blas?.threads !== null) assert.equal(backendInfo().blas?.threads, 2);
      }
    } finally {
      await setNumThreads(before);
      setBackend(jsBackend);
    }
  });
});

describe('native backend and resident memory', { skip }, () => {
  it('keeps parameters in their own memory (the WASM backend under it would move them)', async () => {
    const { nn, optim, randn } = await import('../../src/index.js');
    setBackend(native!);
    try {
      assert.equal(native!.keepResident, undefined);
      const lin = new nn.Linear(256, 64);
      const opt = new optim.SGD(lin.parameters(), { lr: 0.1, momentum: 0.9 });
      for (let s = 0; s < 3; s++) {
        opt.zeroGrad();
        lin
          .forward(randn([4, 256]))
          .sum()
          .backward();
        opt.step();
      }
      assert.ok(!(lin.weight.storage.data.buffer instanceof SharedArrayBuffer));
    } finally {
      setBackend(jsBackend);
    }
  });
});

describe('native bias add (GER)', { skip }, () => {
  it('adds a row to every row of a batch in place with the same bits as the js loop', () => {
    for (const f64 of [false, true]) {
      for (const [lead, rows, cols] of [
        [1, 128, 300],
        [2, 40, 64],
        [1, 4096, 1],
      ]) {
        const shape = lead === 1 ? [rows, cols] : [lead, rows, cols];
        const n = lead * rows * cols;
        const target = random(n + 3, f64);
        target[5] = Number.NaN;
        target[6] = Number.POSITIVE_INFINITY;
        target[7] = -0;
        const bias = random(cols, f64);
        bias[0] = -0;
        const strides = lead === 1 ? [cols, 1] : [rows * cols, cols, 1];
        const bStrides = lead === 1 ? [0, 1] : [0, 0, 1];
        const expected = target.slice(3);
        jsBackend.binary.add(
          { data: expected, strides, offset: 0 },
          { data: bias, strides: bStrides, offset: 0 },
          expected,
          shape,
        );
        const out = target.subarray(3);
        native?.binary.add(
          { data: target, strides, offset: 3 },
          { data: bias, strides: bStrides, offset: 0 },
          out,
          shape,
        );
        for (let i = 0; i < n; i++) {
          assert.ok(
            Object.is(out[i], expected[i]),
            `${shape.join('x')} ${f64 ? 'f64' : 'f32'}: element ${i} is ${out[i]}, the js loop gives ${expected[i]}`,
          );
        }
      }
    }
  });
});

/** The reference convolution: im2col then one GEMM per image, on the js backend. */
function reference(x: FloatArray, weight: FloatArray, w: ConvWindow): { cols: FloatArray; y: FloatArray } {
  const ck = w.channels * w.kernelH * w.kernelW;
  const L = w.outH * w.outW;
  const make = (n: number): FloatArray => (x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  const cols = make(w.batch * ck * L);
  jsBackend.im2col(x, cols, w);
  const y = make(w.batch * w.outChannels * L);
  jsBackend.matmul(weight, cols, y, w.batch, w.outChannels, ck, L, false, false, 0, ck * L);
  return { cols, y };
}

function window(
  batch: number,
  channels: number,
  height: number,
  width: number,
  outChannels: number,
  kH: number,
  kW: number,
  sH: number,
  sW: number,
  pH: number,
  pW: number,
  dH: number,
  dW: number,
): ConvWindow {
  const outH = Math.max(0, Math.floor((height + 2 * pH - dH * (kH - 1) - 1) / sH) + 1);
  const outW = Math.max(0, Math.floor((width + 2 * pW - dW * (kW - 1) - 1) / sW) + 1);
  return {
    batch,
    channels,
    height,
    width,
    outChannels,
    kernelH: kH,
    kernelW: kW,
    strideH: sH,
    strideW: sW,
    padH: pH,
    padW: pW,
    dilationH: dH,
    dilationW: dW,
    outH,
    outW,
  };
}

const WINDOWS: ConvWindow[] = [
  window(4, 3, 9, 8, 5, 3, 3, 1, 1, 1, 1, 1, 1),
  window(3, 2, 11, 10, 4, 3, 4, 2, 1, 1, 2, 1, 2),
  window(1, 4, 6, 6, 3, 1, 1, 1, 1, 0, 0, 1, 1), // pointwise, one image: x is its own cols
  window(5, 4, 6, 6, 3, 1, 1, 1, 1, 0, 0, 1, 1), // pointwise, several images
  window(2, 1, 3, 3, 2, 5, 5, 2, 2, 4, 4, 1, 1), // windows wholly in the padding
  window(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1),
  window(0, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1), // empty batch
  window(6, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1), // LeNet-5's second layer
  window(4, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1), // LeNet-5's first layer (a short window: direct convolution)
  window(3, 3, 12, 13, 5, 3, 3, 2, 2, 1, 1, 1, 1), // short window, stride 2 both ways
  window(2, 2, 9, 11, 3, 2, 3, 1, 3, 0, 2, 2, 2), // short window, dilated, column stride 3
  window(2, 1, 13, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1), // short window, 11 output channels: a block of 8 and a part block
  window(2, 2, 9, 9, 32, 3, 3, 1, 1, 0, 0, 1, 1), // short window, four blocks of 8 output channels
];

describe('native conv2d kernels against im2col + GEMM on the js backend', { skip }, () => {
  // thin 0: every layer through the BLAS; the default runs short windows (ck < 64) as a direct convolution
  // (nabla's compiled kernels in float32, the WASM fused kernel otherwise).
  for (const [label, chunk, thin] of [
    ['one chunk', 1 << 22, 0],
    ['a chunk per 1-2 images', 600, 0],
    ['default routing', 1 << 22, 64],
  ] as const) {
    for (const f64 of [false, true]) {
      it(`forward, weight and input gradients (${label}, ${f64 ? 'float64' : 'float32'})`, () => {
        const old = setNativeChunkFloats(chunk);
        const oldThin = setNativeThinK(thin);
        try {
          for (const w of WINDOWS) {
            const conv = native?.conv2d;
            assert.ok(conv);
            const what = JSON.stringify(w);
            const ck = w.channels * w.kernelH * w.kernelW;
            const L = w.outH * w.outW;
            const x = random(w.batch * w.channels * w.height * w.width, f64);
            const weight = random(w.outChannels * ck, f64);
            const bias = random(w.outChannels, f64);
            const { cols, y } = reference(x, weight, w);
            for (let i = 0; i < y.length; i++) y[i] += bias[Math.floor(i / L) % w.outChannels];
            const out = y.slice().fill(Number.NaN);
            assert.ok(conv.forward(x, weight, bias, out, w));
            const tol = f64 ? 1e-12 : 2e-5;
            assertNear(out, y, tol, `forward ${what}`);

            const dy = random(y.length, f64);
            const dw = weight.slice().fill(Number.NaN);
            const db = bias.slice().fill(Number.NaN);
            assert.ok(conv.weightGrad(dy, x, dw, db, w));
            const perImage = weight.slice();
            const expectDw = weight.slice().fill(0);
            for (let n = 0; n < w.batch; n++) {
              jsBackend.matmul(
                dy.subarray(n * w.outChannels * L),
                cols.subarray(n * ck * L),
                perImage,
                1,
                w.outChannels,
                L,
                ck,
                false,
                true,
                0,
                0,
              );
              for (let i = 0; i < perImage.length; i++) expectDw[i] += perImage[i];
            }
            const expectDb = bias.slice().fill(0);
            for (let i = 0; i < dy.length; i++) expectDb[Math.floor(i / L) % w.outChannels] += dy[i];
            assertNear(dw, expectDw, f64 ? 1e-12 : 1e-4, `weightGrad ${what}`);
            assertNear(db, expectDb, f64 ? 1e-12 : 1e-4, `biasGrad ${what}`);

            const dx = x.slice().fill(Number.NaN);
            assert.ok(conv.inputGrad(dy, weight, dx, w));
            const dcols = cols.slice();
            jsBackend.matmul(weight, dy, dcols, w.batch, ck, w.outChannels, L, true, false, 0, w.outChannels * L);
            const expectDx = x.slice();
            jsBackend.col2im(dcols, expectDx, w);
            assertNear(dx, expectDx, tol, `inputGrad ${what}`);
          }
        } finally {
          setNativeChunkFloats(old);
          setNativeThinK(oldThin);
        }
      });
    }
  }

  it('declines mixed element types (the composite runs instead)', () => {
    const w = WINDOWS[0];
    const x = new Float64Array(w.batch * w.channels * w.height * w.width);
    const weight = new Float32Array(w.outChannels * w.channels * w.kernelH * w.kernelW);
    assert.equal(
      native?.conv2d?.forward(x, weight, null, new Float32Array(w.batch * w.outChannels * w.outH * w.outW), w),
      false,
    );
  });
});
