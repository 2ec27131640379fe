// The data set kernels: every backend equals the reference bit for bit, and a normalize fused
// into a byte image data set's gathering gives the same bits as normalising afterwards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteImageDataset, DataLoader, jsBackend, transforms, type Tensor } from '../../src/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';

function bytes(n: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
}

function bits(t: Tensor): number[] {
  const a = t.toTypedArray() as Float32Array;
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

const SHAPES: [number, number, number][] = [
  [1, 28, 28],
  [3, 5, 7],
];
const MEANS = [[0.286], [0.485, 0.456, 0.406]];
const STDS = [[0.353], [0.229, 0.224, 0.225]];

describe('data kernels', () => {
  for (const backend of backendsUnderTest()) {
    it(`${backend.name}: gatherBytes and normalize equal the js kernels bit for bit`, () => {
      for (const [c, h, w] of SHAPES) {
        const per = c * h * w;
        const src = bytes(per * 9, per);
        const index = Int32Array.of(8, 0, 3, 3, 5);
        const mean = Float64Array.from({ length: c }, (_, k) => 0.1 + 0.2 * k);
        const std = Float64Array.from({ length: c }, (_, k) => 0.3 + 0.05 * k);
        for (const norm of [null, { mean, std }]) {
          const want = new Float32Array(per * index.length);
          const got = new Float32Array(per * index.length);
          jsBackend.data.gatherBytes(src, index, per, want, 255, norm, h * w);
          backend.data.gatherBytes(src, index, per, got, 255, norm, h * w);
          assert.deepEqual(
            new Uint32Array(got.buffer),
            new Uint32Array(want.buffer),
            `[${c}, ${h}, ${w}], norm ${norm !== null}`,
          );
        }
        const x = Float32Array.from(src.subarray(0, per * 2), (b) => b / 255 - 0.3);
        const want = new Float32Array(x.length);
        const got = new Float32Array(x.length);
        jsBackend.data.normalize(x, want, { mean, std }, h * w);
        backend.data.normalize(x, got, { mean, std }, h * w);
        assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer));
      }
    });

    it(`${backend.name}: remapPlanes and resizeBilinear equal the js kernels bit for bit`, () => {
      const g = { batch: 2, channels: 3, inH: 5, inW: 7, outH: 6, outW: 4 };
      const x = Float32Array.from(bytes(2 * 3 * 5 * 7, 3), (b) => b / 7 - 10);
      const rows = Int32Array.from({ length: 2 * 6 }, (_, k) => (k % 6) - 1);
      const cols = Int32Array.from({ length: 2 * 4 }, (_, k) => (k < 4 ? 6 - k : k - 4));
      for (const [name, run] of [
        ['remapPlanes', (k: typeof jsBackend, out: Float32Array) => k.data.remapPlanes(x, out, g, rows, cols, -0.5)],
        ['resizeBilinear', (k: typeof jsBackend, out: Float32Array) => k.data.resizeBilinear(x, out, g)],
      ] as const) {
        const want = new Float32Array(2 * 3 * 6 * 4);
        const got = new Float32Array(want.length);
        run(jsBackend, want);
        run(backend, got);
        assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer), name);
        if (name === 'remapPlanes') assert.equal(want[0], -0.5, 'row -1 is the fill');
      }
    });

    it(`${backend.name}: a data set with normalize gathers in one pass, with the bits of normalising after`, () =>
      withBackend(backend, () => {
        SHAPES.forEach(([c, h, w], k) => {
          for (const mean of [MEANS[k], [0.5]]) {
            const std = mean.length === 1 ? [0.25] : STDS[k];
            const pixels = bytes(c * h * w * 6, 7 + k);
            const labels = Int32Array.of(0, 1, 2, 3, 4, 5);
            const fused = new ByteImageDataset(pixels, [c, h, w], labels, transforms.normalize(mean, std));
            assert.ok(transforms.channelNormalization(fused.transform!, c), 'normalize is recognised');
            // compose() hides the normalize, so this data set gathers and then normalises.
            const apart = new ByteImageDataset(
              pixels,
              [c, h, w],
              labels,
              transforms.compose(transforms.normalize(mean, std)),
            );
            const idx = Int32Array.of(5, 1, 1, 0);
            assert.deepEqual(bits(fused.getBatch(idx)[0]), bits(apart.getBatch(idx)[0]));
            assert.deepEqual(bits(fused.getItem(2)[0]), bits(apart.getItem(2)[0]));
            const [xb] = [...new DataLoader(fused, { batchSize: 4 })][1];
            assert.deepEqual(xb.shape, [2, c, h, w]);
          }
        });
      }));
  }

  it('a normalize for another channel count is not fused and still fails clearly', () => {
    const ds = new ByteImageDataset(
      bytes(2 * 3 * 4, 1),
      [2, 3, 4],
      Int32Array.of(0),
      transforms.normalize([0, 0, 0], [1, 1, 1]),
    );
    assert.equal(transforms.channelNormalization(ds.transform!, 2), null);
    assert.throws(() => ds.getItem(0), /3 means for an image with 2 channels/);
  });
});
