import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  initWasm,
  jsBackend,
  matmul,
  randn,
  setBackend,
  setNumThreads,
  type Tensor,
  tensor,
  wasmInfo,
  where as whereOp,
} from '../../src/index.js';
import '../../src/node.js'; // worker_threads for the WASM pool
import { linear } from '../../src/ops/matmul.js';
import { convForward, convInputGrad, convWeightGrad } from '../../src/ops/conv-gemm.js';
import { assertClose } from '../helpers.js';

const wasm = await initWasm();
setBackend('js');

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function gradOf(t: Tensor): Tensor {
  assert.ok(t.grad, 'no gradient');
  return t.grad;
}

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

// [batch, m, k, n, aBatchStride factor (0 = broadcast), bBatchStride factor]: odd sizes hit every edge
// tile; the large ones (over 2^21 multiply-adds) take the threaded path, by columns, rows or batch.
const shapes: [number, number, number, number, number, number][] = [
  [1, 1, 300, 17, 1, 1],
  [1, 33, 1, 65, 1, 1],
  [1, 129, 257, 130, 1, 1],
  [3, 5, 64, 9, 1, 0],
  [2, 70, 40, 300, 0, 1],
  [1, 9, 300, 2100, 1, 1],
  [4, 31, 33, 35, 1, 1],
  [2, 3, 70, 40, 1, 1],
  [6, 40, 100, 120, 1, 1],
  [1, 300, 100, 90, 1, 1],
  [2, 7, 300, 500, 1, 1],
];

describe('wasm matmul kernel against the js reference', () => {
  for (const threads of [1, 2]) {
    for (const [batch, m, k, n, af, bf] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`${threads} thread(s): batch ${batch} ${m}x${k} @ ${k}x${n} transA=${transA} transB=${transB}`, async () => {
            await setNumThreads(threads);
            const a = random((af ? batch : 1) * m * k, m * 7 + k);
            const b = random((bf ? batch : 1) * k * n, n * 3 + k);
            const want = new Float32Array(batch * m * n);
            const got = new Float32Array(batch * m * n).fill(Number.NaN);
            const args = [batch, m, k, n, transA, transB, af * m * k, bf * k * n] as const;
            jsBackend.matmul(a, b, want, ...args);
            wasm.matmul(a, b, got, ...args);
            assertClose(Array.from(got), Array.from(want), { rtol: 1e-5, atol: 1e-5 * maxAbs(want) });
          });
        }
      }
    }
  }
});

describe('wasm backend through the ops', () => {
  it('reports its features', () => {
    const info = wasmInfo();
    assert.ok(info && info.threads >= 1);
  });

  it('linear forward and backward match the js backend in float32', () => {
    const x = randn([64, 200]);
    const w = randn([120, 200]).requiresGrad_();
    const b = randn([120]).requiresGrad_();
    const run = (): Tensor[] => {
      w.grad = null;
      b.grad = null;
      const y = linear(x, w, b);
      y.relu().sum().backward();
      return [y.detach(), gradOf(w), gradOf(b)];
    };
    const ref = run();
    setBackend('wasm');
    try {
      const out = run();
      out.forEach((t, i) => assertClose(t, ref[i], { rtol: 1e-5, atol: 1e-4 }));
    } finally {
      setBackend('js');
    }
  });

  it('falls back to js for float64 and gives the same bits', () => {
    const a = randn([20, 30], { dtype: 'float64' });
    const c = randn([30, 10], { dtype: 'float64' });
    const ref = matmul(a, c).toTypedArray();
    setBackend('wasm');
    try {
      assert.deepEqual(matmul(a, c).toTypedArray(), ref);
    } finally {
      setBackend('js');
    }
  });
});

describe('wasm window kernels against the js reference', () => {
  // [batch, channels, height, width, kernel, stride, pad, dilation]
  const windows: number[][] = [
    [4, 3, 28, 28, 5, 1, 2, 1],
    [2, 5, 13, 11, 3, 2, 1, 1],
    [3, 2, 17, 17, 3, 2, 0, 2],
    [64, 1, 9, 9, 2, 2, 0, 1],
    [16, 8, 48, 48, 2, 2, 0, 1],
    [8, 4, 14, 14, 2, 2, 0, 1],
    [6, 4, 15, 15, 3, 2, 0, 1],
  ];
  for (const threads of [1, 2]) {
    for (const [batch, channels, height, width, k, stride, pad, dil] of windows) {
      const outH = Math.floor((height + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
      const outW = Math.floor((width + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
      const w = {
        batch,
        channels,
        height,
        width,
        kernelH: k,
        kernelW: k,
        strideH: stride,
        strideW: stride,
        padH: pad,
        padW: pad,
        dilationH: dil,
        dilationW: dil,
        outH,
        outW,
      };
      const name = `${threads} thread(s): ${batch}x${channels}x${height}x${width} k${k} s${stride} p${pad} d${dil}`;
      it(`im2col and col2im, ${name}`, async () => {
        await setNumThreads(threads);
        const x = random(batch * channels * height * width, height + k);
        const n = batch * channels * k * k * outH * outW;
        const want = new Float32Array(n);
        const got = new Float32Array(n).fill(Number.NaN);
        jsBackend.im2col(x, want, w);
        wasm.im2col(x, got, w);
        assert.deepEqual(got, want);
        const cols = random(n, 11);
        const xw = new Float32Array(x.length);
        const xg = new Float32Array(x.length).fill(Number.NaN);
        jsBackend.col2im(cols, xw, w);
        wasm.col2im(cols, xg, w);
        assertClose(Array.from(xg), Array.from(xw), { rtol: 1e-6, atol: 1e-6 });
      });
      it(`maxPool2d, ${name}`, async () => {
        await setNumThreads(threads);
        const x = random(batch * channels * height * width, width + 5);
        x[7] = Number.NaN;
        x[100] = x[101];
        const n = batch * channels * outH * outW;
        const [want, got] = [new Float32Array(n), new Float32Array(n)];
        const [iw, ig] = [new Int32Array(n), new Int32Array(n)];
        jsBackend.maxPool2d(x, want, iw, { ...w, padH: Math.min(pad, k >> 1), padW: Math.min(pad, k >> 1) });
        wasm.maxPool2d(x, got, ig, { ...w, padH: Math.min(pad, k >> 1), padW: Math.min(pad, k >> 1) });
        assert.deepEqual(got, want);
        assert.deepEqual(ig, iw);
      });
    }
  }
});

describe('wasm operand cache', () => {
  it('reuses cached weights at batch 1 and notices in-place updates', () => {
    const w = randn([300, 200]);
    const x = randn([1, 200]);
    setBackend('wasm');
    try {
      const ref = (): Float32Array => {
        setBackend('js');
        try {
          return linear(x, w).toTypedArray() as Float32Array;
        } finally {
          setBackend('wasm');
        }
      };
      assertClose(Array.from(linear(x, w).toTypedArray()), Array.from(ref()), { rtol: 1e-5, atol: 1e-5 });
      assertClose(Array.from(linear(x, w).toTypedArray()), Array.from(ref()), { rtol: 1e-5, atol: 1e-5 });
      w.mul_(2);
      assertClose(Array.from(linear(x, w).toTypedArray()), Array.from(ref()), { rtol: 1e-5, atol: 1e-5 });
      w.narrow(0, 0, 1).fill_(5);
      assertClose(Array.from(linear(x, w).toTypedArray()), Array.from(ref()), { rtol: 1e-5, atol: 1e-5 });
    } finally {
      setBackend('js');
    }
  });
});

describe('wasm backend fast JS kernels', () => {
  it('copies transposed and sliced 2-D views exactly like the reference', () => {
    const x = randn([70, 90]);
    for (const view of [x.t(), x.narrow(1, 3, 50).t(), x.narrow(0, 1, 40)]) {
      const ref = view.contiguous().toTypedArray();
      setBackend('wasm');
      try {
        assert.deepEqual(view.contiguous().toTypedArray(), ref);
      } finally {
        setBackend('js');
      }
    }
  });

  it('binary ops on dense, scalar and row-broadcast operands match the reference bit for bit', () => {
    const a = randn([33, 40]);
    const cases: [Tensor, Tensor][] = [
      [a, randn([33, 40])],
      [a, randn([40])],
      [randn([40]), a],
      [a, randn([])],
      [a.t(), randn([33])],
    ];
    for (const [p, q] of cases) {
      for (const op of ['add', 'sub', 'mul', 'div', 'gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const) {
        const ref = p[op](q).toTypedArray();
        setBackend('wasm');
        try {
          assert.deepEqual(p[op](q).toTypedArray(), ref, `${op} ${p.shape} ${q.shape}`);
        } finally {
          setBackend('js');
        }
      }
    }
  });

  it('scatterAdd (max pooling backward) matches the reference bit for bit, repeated indices included', () => {
    const [outer, outSize, idxSize] = [7, 30, 12];
    const src = random(outer * idxSize, 21);
    const index = Int32Array.from({ length: outer * idxSize }, (_, i) => (i * 7 + (i >> 2)) % outSize);
    for (const inner of [1, 3]) {
      const srcN = random(outer * idxSize * inner, 22 + inner);
      const indexN =
        inner === 1 ? index : Int32Array.from({ length: outer * idxSize * inner }, (_, i) => (i * 5) % outSize);
      const want = random(outer * outSize * inner, 5);
      const got = want.slice();
      jsBackend.scatterAdd(inner === 1 ? src : srcN, indexN, want, outer, outSize, idxSize, inner);
      wasm.scatterAdd(inner === 1 ? src : srcN, indexN, got, outer, outSize, idxSize, inner);
      assert.deepEqual(got, want, `inner ${inner}`);
    }
  });
});

describe('wasm backend where', () => {
  it('selects like the reference for dense and scalar branches, signed zeros and NaN included', () => {
    const x = randn([37, 41]);
    const y = randn([37, 41]);
    const special = tensor([Number.NaN, -0, 0, Infinity]);
    const cases: [Tensor, Tensor | number, Tensor | number][] = [
      [x.le(0), 0, y],
      [x.gt(0), y, x],
      [x.ge(0.5), x, -0],
      [special.le(0), special, Number.NaN],
      [x.t().le(0), 1, y.t()],
    ];
    for (const [c, a, b] of cases) {
      const ref = whereOp(c, a, b).toTypedArray();
      setBackend('wasm');
      try {
        const got = whereOp(c, a, b).toTypedArray();
        got.forEach((v, i) => assert.ok(Object.is(v, ref[i]), `element ${i}: ${v} vs ${ref[i]}`));
      } finally {
        setBackend('js');
      }
    }
  });
});

describe('wasm backend relu', () => {
  it('matches the reference on signed zeros, NaN, infinities and subnormals', () => {
    const x = new Float32Array([Number.NaN, -0, 0, -1, 1, Infinity, -Infinity, 1e-45, -1e-45, 3.5, -2.25]);
    const sign = new DataView(x.buffer);
    sign.setUint32(4 * 0, 0xffc00000, true); // a NaN with its sign bit set
    const want = new Float32Array(x.length);
    const got = new Float32Array(x.length);
    jsBackend.unary.relu(x, want);
    wasm.unary.relu(x, got);
    got.forEach((v, i) => assert.ok(Object.is(v, want[i]), `element ${i}: ${v} vs ${want[i]}`));
  });

  it('large arrays (the SIMD path) give the same bits as the reference, forward and backward', () => {
    // Special values scattered through 200,003 elements: odd length, so the scalar tail runs too.
    const n = 200_003;
    const specials = [Number.NaN, -0, 0, Infinity, -Infinity, 1e-45, -1e-45];
    const x = random(n, 77);
    const dy = random(n, 78);
    for (let i = 0; i < n; i += 997) x[i] = specials[(i / 997) % specials.length];
    x[n - 1] = -0;
    new DataView(x.buffer).setUint32(4 * 5, 0xffc00000, true);
    const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
    const want = new Float32Array(n);
    const got = new Float32Array(n);
    jsBackend.unary.relu(x, want);
    wasm.unary.relu(x, got);
    assert.deepEqual(bits(got), bits(want));
    const dWant = new Float32Array(n);
    const dGot = new Float32Array(n);
    jsBackend.where(
      { data: Uint8Array.from(x, (v) => (v <= 0 ? 1 : 0)), strides: [1], offset: 0 },
      { data: new Float32Array([0]), strides: [0], offset: 0 },
      { data: dy, strides: [1], offset: 0 },
      dWant,
      [n],
    );
    wasm.reluBackward!(x, dy, dGot);
    assert.deepEqual(bits(dGot), bits(dWant));
  });
});

describe('wasm max pooling edge values', () => {
  it('keeps the first NaN, the first of tied maxima and all -Infinity windows like the reference', async () => {
    await setNumThreads(1);
    const N = Number.NaN;
    const I = -Infinity;
    // 2x2 windows of an 8x8 plane (64 planes so the WASM path runs).
    const plane = [
      1,
      N,
      3,
      3,
      I,
      I,
      2,
      0,
      N,
      1,
      3,
      3,
      I,
      I,
      5,
      N,
      7,
      7,
      0,
      0,
      -1,
      -2,
      N,
      N,
      7,
      7,
      0,
      -0,
      -3,
      -1,
      N,
      N,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      8,
      7,
      6,
      5,
      4,
      3,
      2,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      I,
      0,
      I,
      I,
      9,
      9,
      9,
      9,
    ];
    const x = new Float32Array(64 * 64);
    for (let p = 0; p < 64; p++) x.set(plane, p * 64);
    const w = {
      batch: 64,
      channels: 1,
      height: 8,
      width: 8,
      kernelH: 2,
      kernelW: 2,
      strideH: 2,
      strideW: 2,
      padH: 0,
      padW: 0,
      dilationH: 1,
      dilationW: 1,
      outH: 4,
      outW: 4,
    };
    const n = 64 * 16;
    const [want, got, iw, ig] = [new Float32Array(n), new Float32Array(n), new Int32Array(n), new Int32Array(n)];
    jsBackend.maxPool2d(x, want, iw, w);
    wasm.maxPool2d(x, got, ig, w);
    assert.deepEqual(got, want);
    assert.deepEqual(ig, iw);
  });
});

describe('wasm fused convolution against the im2col + GEMM composite', () => {
  // [batch, channels, height, width, outChannels, kernelH, kernelW, stride, pad, dilation]: LeNet's
  // two layers, odd sizes, strides, dilation, non-square kernels, a 1x1 layer, batches over and
  // under the 16 weight-gradient chunks, and ones large enough to split across threads.
  const cases: number[][] = [
    [64, 1, 28, 28, 6, 5, 5, 1, 2, 1],
    [64, 6, 14, 14, 16, 5, 5, 1, 0, 1],
    [3, 5, 13, 11, 7, 3, 3, 2, 1, 1],
    [2, 3, 17, 17, 4, 3, 5, 2, 0, 2],
    [20, 4, 9, 9, 8, 1, 1, 1, 0, 1],
    [1, 2, 6, 7, 3, 3, 2, 1, 1, 1],
    [17, 16, 16, 16, 32, 3, 3, 1, 1, 1],
  ];
  for (const threads of [1, 2]) {
    for (const [batch, channels, height, width, outChannels, kH, kW, stride, pad, dil] of cases) {
      const outH = Math.floor((height + 2 * pad - dil * (kH - 1) - 1) / stride) + 1;
      const outW = Math.floor((width + 2 * pad - dil * (kW - 1) - 1) / stride) + 1;
      const g = {
        batch,
        channels,
        height,
        width,
        kernelH: kH,
        kernelW: kW,
        strideH: stride,
        strideW: stride,
        padH: pad,
        padW: pad,
        dilationH: dil,
        dilationW: dil,
        outH,
        outW,
        outChannels,
        groups: 1,
      };
      const x = random(batch * channels * height * width, height + kH);
      const w = random(outChannels * channels * kH * kW, outChannels);
      const bias = random(outChannels, 5);
      const dy = random(batch * outChannels * outH * outW, 9);
      const close = (got: Float32Array, want: Float32Array): void =>
        assertClose(Array.from(got), Array.from(want), { rtol: 1e-5, atol: 1e-5 * maxAbs(want) });
      it(`${threads} thread(s): ${batch}x${channels}x${height}x${width} -> ${outChannels}, k${kH}x${kW} s${stride} p${pad} d${dil}`, async () => {
        await setNumThreads(threads);
        const conv = wasm.conv2d!;
        setBackend('js');
        const y = new Float32Array(dy.length);
        convForward(x, w, bias, g, y);
        const dw = new Float32Array(w.length);
        const db = new Float32Array(outChannels);
        convWeightGrad(dy, x, g, dw, null, db);
        const dx = new Float32Array(x.length);
        convInputGrad(dy, w, g, dx);

        const yGot = new Float32Array(y.length).fill(Number.NaN);
        assert.equal(conv.forward(x, w, bias, yGot, g), true);
        close(yGot, y);
        const dwGot = new Float32Array(dw.length).fill(Number.NaN);
        const dbGot = new Float32Array(outChannels).fill(Number.NaN);
        assert.equal(conv.weightGrad(dy, x, dwGot, dbGot, g), true);
        close(dwGot, dw);
        close(dbGot, db);
        const dxGot = new Float32Array(dx.length).fill(Number.NaN);
        assert.equal(conv.inputGrad(dy, w, dxGot, g), true);
        close(dxGot, dx);
      });
    }
  }

  it("'same' padding with an even kernel (one more padded row and column at the bottom and right)", async () => {
    // conv2d's geometry for padding 'same', 4x4 kernel: 1 before, 2 after, output the input's size.
    const g = {
      batch: 5,
      channels: 2,
      height: 9,
      width: 11,
      kernelH: 4,
      kernelW: 4,
      strideH: 1,
      strideW: 1,
      padH: 1,
      padW: 1,
      dilationH: 1,
      dilationW: 1,
      outH: 9,
      outW: 11,
      outChannels: 3,
      groups: 1,
    };
    const x = random(5 * 2 * 9 * 11, 31);
    const w = random(3 * 2 * 16, 32);
    const dy = random(5 * 3 * 9 * 11, 33);
    for (const threads of [1, 2]) {
      await setNumThreads(threads);
      setBackend('js');
      const [y, dw, db, dx] = [
        new Float32Array(dy.length),
        new Float32Array(w.length),
        new Float32Array(3),
        new Float32Array(x.length),
      ];
      convForward(x, w, null, g, y);
      convWeightGrad(dy, x, g, dw, null, db);
      convInputGrad(dy, w, g, dx);
      const [y2, dw2, db2, dx2] = [
        new Float32Array(dy.length),
        new Float32Array(w.length),
        new Float32Array(3),
        new Float32Array(x.length),
      ];
      assert.ok(
        wasm.conv2d!.forward(x, w, null, y2, g) &&
          wasm.conv2d!.weightGrad(dy, x, dw2, db2, g) &&
          wasm.conv2d!.inputGrad(dy, w, dx2, g),
      );
      for (const [got, want] of [
        [y2, y],
        [dw2, dw],
        [db2, db],
        [dx2, dx],
      ])
        assertClose(Array.from(got), Array.from(want), { rtol: 1e-5, atol: 1e-5 * maxAbs(want) });
    }
  });

  it('gives the same weight gradient bit for bit on 1 and 2 threads (partials are summed in a fixed order)', async () => {
    const g = {
      batch: 40,
      channels: 6,
      height: 14,
      width: 14,
      kernelH: 5,
      kernelW: 5,
      strideH: 1,
      strideW: 1,
      padH: 0,
      padW: 0,
      dilationH: 1,
      dilationW: 1,
      outH: 10,
      outW: 10,
      outChannels: 16,
    };
    const x = random(40 * 6 * 14 * 14, 3);
    const dy = random(40 * 16 * 100, 4);
    const run = async (threads: number): Promise<Float32Array> => {
      await setNumThreads(threads);
      const dw = new Float32Array(16 * 150);
      wasm.conv2d!.weightGrad(dy, x, dw, null, g);
      return dw;
    };
    assert.deepEqual(await run(1), await run(2));
    assert.deepEqual(await run(2), await run(2));
  });

  it('declines float64, so the composite runs', () => {
    const g = {
      batch: 1,
      channels: 1,
      height: 4,
      width: 4,
      kernelH: 3,
      kernelW: 3,
      strideH: 1,
      strideW: 1,
      padH: 0,
      padW: 0,
      dilationH: 1,
      dilationW: 1,
      outH: 2,
      outW: 2,
      outChannels: 1,
    };
    assert.equal(wasm.conv2d!.forward(new Float64Array(16), new Float64Array(9), null, new Float64Array(4), g), false);
  });
});
