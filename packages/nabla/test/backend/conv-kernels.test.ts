import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, type Backend, type Window2d } from '../../src/index.js';
import { backendsUnderTest } from '../backends.js';

/** Window geometries incl. windows wholly in the padding, asymmetric ('same'-style) padding, dilation. */
const windows: Window2d[] = [
  {
    batch: 2,
    channels: 3,
    height: 5,
    width: 6,
    kernelH: 3,
    kernelW: 3,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 1,
    dilationH: 1,
    dilationW: 1,
    outH: 5,
    outW: 6,
  },
  {
    batch: 1,
    channels: 2,
    height: 7,
    width: 4,
    kernelH: 2,
    kernelW: 3,
    strideH: 2,
    strideW: 3,
    padH: 0,
    padW: 2,
    dilationH: 2,
    dilationW: 1,
    outH: 3,
    outW: 2,
  },
  {
    batch: 2,
    channels: 1,
    height: 3,
    width: 3,
    kernelH: 5,
    kernelW: 5,
    strideH: 2,
    strideW: 2,
    padH: 4,
    padW: 4,
    dilationH: 1,
    dilationW: 1,
    outH: 3,
    outW: 3,
  },
  {
    batch: 1,
    channels: 2,
    height: 6,
    width: 5,
    kernelH: 4,
    kernelW: 2,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 0,
    dilationH: 1,
    dilationW: 1,
    outH: 6,
    outW: 5,
  },
];

/** The definition: cols[n, (c·kH + i)·kW + j, oh·outW + ow] = x[n, c, oh·sH − pH + i·dH, ow·sW − pW + j·dW] or 0. */
function naiveIm2col(x: Float64Array, w: Window2d): Float64Array {
  const L = w.outH * w.outW;
  const rows = w.channels * w.kernelH * w.kernelW;
  const cols = new Float64Array(w.batch * rows * L);
  for (let n = 0; n < w.batch; n++)
    for (let c = 0; c < w.channels; c++)
      for (let i = 0; i < w.kernelH; i++)
        for (let j = 0; j < w.kernelW; j++) {
          for (let oh = 0; oh < w.outH; oh++)
            for (let ow = 0; ow < w.outW; ow++) {
              const h = oh * w.strideH - w.padH + i * w.dilationH;
              const v = ow * w.strideW - w.padW + j * w.dilationW;
              const inside = h >= 0 && h < w.height && v >= 0 && v < w.width;
              const row = (c * w.kernelH + i) * w.kernelW + j;
              cols[(n * rows + row) * L + oh * w.outW + ow] = inside
                ? x[((n * w.channels + c) * w.height + h) * w.width + v]
                : 0;
            }
        }
  return cols;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const random = (g: Generator, n: number) => Float64Array.from({ length: n }, () => g.normal());

for (const backend of backendsUnderTest() as Backend[]) {
  describe(`window kernels (${backend.name} backend)`, () => {
    windows.forEach((w, k) => {
      it(`im2col matches its definition and col2im is its adjoint (geometry ${k})`, () => {
        const g = new Generator(k);
        const x = random(g, w.batch * w.channels * w.height * w.width);
        const cols = new Float64Array(w.batch * w.channels * w.kernelH * w.kernelW * w.outH * w.outW).fill(Number.NaN);
        backend.im2col(x, cols, w);
        assert.deepEqual(Array.from(cols), Array.from(naiveIm2col(x, w)));
        const c = random(g, cols.length);
        const back = new Float64Array(x.length).fill(Number.NaN);
        backend.col2im(c, back, w);
        assert.ok(Math.abs(dot(cols, c) - dot(x, back)) < 1e-9 * (1 + Math.abs(dot(cols, c))));
      });

      it(`avgPool2dBackward is the adjoint of avgPool2d (geometry ${k})`, () => {
        const g = new Generator(100 + k);
        const p = { ...w, dilationH: 1, dilationW: 1 };
        const x = random(g, p.batch * p.channels * p.height * p.width);
        for (const [includePad, divisor] of [
          [true, 0],
          [false, 0],
          [true, 3],
        ] as const) {
          const out = new Float64Array(p.batch * p.channels * p.outH * p.outW);
          backend.avgPool2d(x, out, p, includePad, divisor);
          const dy = random(g, out.length);
          const dx = new Float64Array(x.length).fill(Number.NaN);
          backend.avgPool2dBackward(dy, dx, p, includePad, divisor);
          assert.ok(
            Math.abs(dot(out, dy) - dot(x, dx)) < 1e-9 * (1 + Math.abs(dot(out, dy))),
            `includePad ${includePad}, divisor ${divisor}`,
          );
        }
      });
    });

    it('maxPool2d: a dilated window that misses the input gives -inf and an index inside its plane', () => {
      const w: Window2d = {
        batch: 1,
        channels: 2,
        height: 1,
        width: 2,
        kernelH: 2,
        kernelW: 1,
        strideH: 1,
        strideW: 1,
        padH: 1,
        padW: 0,
        dilationH: 2,
        dilationW: 1,
        outH: 1,
        outW: 2,
      };
      const out = new Float64Array(4);
      const idx = new Int32Array(4).fill(-7);
      backend.maxPool2d(Float64Array.from([1, 2, 3, 4]), out, idx, w);
      assert.deepEqual(Array.from(out), [-Infinity, -Infinity, -Infinity, -Infinity]);
      assert.ok(
        Array.from(idx).every((i) => i >= 0 && i < 2),
        `indices ${Array.from(idx)}`,
      );
    });

    it('maxPool2d picks the maximum of each window and points at it', () => {
      const w = windows[1];
      const x = random(new Generator(7), w.batch * w.channels * w.height * w.width);
      const out = new Float64Array(w.batch * w.channels * w.outH * w.outW);
      const idx = new Int32Array(out.length);
      backend.maxPool2d(x, out, idx, w);
      // Each window's max is the max of its in-bounds im2col entries (padding never wins).
      const cols = naiveIm2col(x, w);
      const L = w.outH * w.outW;
      const kk = w.kernelH * w.kernelW;
      for (let p = 0; p < w.batch * w.channels; p++) {
        for (let o = 0; o < L; o++) {
          const plane = x.subarray(p * w.height * w.width);
          assert.equal(out[p * L + o], plane[idx[p * L + o]]);
          let best = -Infinity;
          for (let r = 0; r < kk; r++) {
            const v = cols[(p * kk + r) * L + o];
            if (v !== 0 && v > best) best = v;
          }
          assert.equal(out[p * L + o], best);
        }
      }
    });
  });
}
