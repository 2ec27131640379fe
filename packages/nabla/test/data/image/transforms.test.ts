import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, tensor, transforms } from '../../../src/index.js';
import { assertClose } from '../../helpers.js';
import { fixtures } from './fixtures.js';

const { centerCrop, compose, convertImage, normalize, randomCrop, randomHorizontalFlip, resize, toTensor } = transforms;

/** A [C, H, W] float32 image whose value is 100c + 10y + x, easy to read in failures. */
function indexed(c: number, h: number, w: number) {
  const data = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(k * h + y) * w + x] = 100 * k + 10 * y + x;
  return tensor(data).reshape(c, h, w);
}

describe('transforms', () => {
  it('toTensor: HWC bytes to [C, H, W] in [0, 1]', () => {
    const t = toTensor({ width: 2, height: 1, channels: 3, data: new Uint8Array([255, 0, 51, 0, 255, 102]) });
    assert.deepEqual([...t.shape], [3, 1, 2]);
    assertClose(t, [[[1, 0]], [[0, 1]], [[0.2, 0.4]]]);
    assert.throws(
      () => toTensor({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }),
      /2x2x1 image needs 4 bytes, got 3/,
    );
  });

  it("convertImage: grey with PIL's integer luma, alpha dropped", () => {
    const rgba = { width: 2, height: 1, channels: 4 as const, data: new Uint8Array([255, 0, 0, 7, 10, 200, 30, 0]) };
    // PIL: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
    assert.deepEqual(Array.from(convertImage(rgba, 1).data), [76, 124]);
    assert.deepEqual(Array.from(convertImage(rgba, 3).data), [255, 0, 0, 10, 200, 30]);
    assert.deepEqual(
      Array.from(convertImage({ width: 1, height: 1, channels: 1, data: new Uint8Array([9]) }, 3).data),
      [9, 9, 9],
    );
  });

  it('normalize per channel, on one image and on a batch', () => {
    const x = tensor([[[0, 1]], [[0.5, 1]]]);
    assertClose(normalize([0.5, 0.25], [0.5, 0.25])(x), [[[-1, 1]], [[1, 3]]]);
    const batch = x.unsqueeze(0).expand(3, 2, 1, 2);
    assertClose(normalize([0.5, 0.25], [0.5, 0.25])(batch).select(0, 2), [[[-1, 1]], [[1, 3]]]);
    assert.throws(() => normalize([0.5], [0.5, 1]), /mean has 1 values but std has 2/);
    assert.throws(() => normalize([0, 0, 0], [1, 1, 1])(x), /3 means for an image with 2 channels/);
    assert.throws(() => normalize([0], [1])(tensor([1, 2])), /expected an image \[C, H, W\] or a batch/);
  });

  it('resize matches F.interpolate(bilinear, align_corners=False)', () => {
    for (const c of fixtures.resize) {
      const x = tensor(c.x.data, { dtype: 'float64' }).reshape(c.x.shape);
      const y = resize(c.size)(x);
      assert.deepEqual([...y.shape], c.out.shape);
      assertClose(y, c.out.data, { rtol: 1e-12, atol: 1e-12 });
      const batched = resize(c.size)(x.unsqueeze(0));
      assertClose(batched.squeeze(0), c.out.data, { rtol: 1e-12, atol: 1e-12 });
    }
  });

  it('resize(n) sets the shorter edge and keeps the aspect ratio, like torchvision', () => {
    assert.deepEqual([...resize(4)(indexed(1, 6, 9)).shape], [1, 4, 6]);
    assert.deepEqual([...resize(5)(indexed(2, 7, 3)).shape], [2, 11, 5]);
    assert.throws(() => resize(0), /size must be positive integers/);
  });

  it('centerCrop: Python rounding of the offset, zero padding when too small', () => {
    // (5 - 2) / 2 = 1.5 rounds to 2; (7 - 2) / 2 = 2.5 rounds to 2 (half to even).
    assertClose(centerCrop([2, 2])(indexed(1, 5, 7)), [
      [
        [22, 23],
        [32, 33],
      ],
    ]);
    // Crop 4x3 out of 2x2: pad top/bottom by 1/1 and left/right by 0/1.
    assertClose(centerCrop([4, 3])(indexed(1, 2, 2)), [
      [
        [0, 0, 0],
        [0, 1, 0],
        [10, 11, 0],
        [0, 0, 0],
      ],
    ]);
  });

  it('randomCrop with padding keeps a window of the padded image; per image in a batch', () => {
    const g = new Generator(3);
    const x = indexed(1, 4, 4);
    const padded = (y: number, x_: number) => (y >= 1 && y <= 4 && x_ >= 1 && x_ <= 4 ? 10 * (y - 1) + (x_ - 1) : 0);
    const windows = new Map<string, string>();
    for (let top = 0; top < 3; top++) {
      for (let left = 0; left < 3; left++) {
        const w = Array.from({ length: 16 }, (_, k) => padded(top + Math.floor(k / 4), left + (k % 4)));
        windows.set(w.join(','), `${top},${left}`);
      }
    }
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const y = randomCrop(4, { padding: 1, generator: g })(x);
      assert.deepEqual([...y.shape], [1, 4, 4]);
      const key = Array.from(y.toTypedArray()).join(',');
      assert.ok(windows.has(key), `not a window of the padded image: ${key}`);
      seen.add(windows.get(key)!);
    }
    assert.equal(seen.size, 9, 'all 3x3 offsets appear');
    const batch = randomCrop(2, { generator: new Generator(1) })(x.unsqueeze(0).expand(20, 1, 4, 4));
    assert.deepEqual([...batch.shape], [20, 1, 2, 2]);
    const corners = new Set(Array.from({ length: 20 }, (_, n) => batch.select(0, n).toTypedArray()[0]));
    assert.ok(corners.size > 3, `one window per image, got top-left values ${[...corners].join(',')}`);
    assert.throws(() => randomCrop(5)(x), /crop 5x5 is larger than the \(padded\) image 4x4/);
  });

  it('randomCrop padding modes: constant fill, edge, reflect', () => {
    const x = indexed(1, 1, 3); // [0, 1, 2]
    const crop = (mode: 'constant' | 'edge' | 'reflect') =>
      randomCrop([1, 7], { padding: [2, 0], paddingMode: mode, fill: -1 })(x).toArray();
    assert.deepEqual(crop('constant'), [[[-1, -1, 0, 1, 2, -1, -1]]]);
    assert.deepEqual(crop('edge'), [[[0, 0, 0, 1, 2, 2, 2]]]);
    assert.deepEqual(crop('reflect'), [[[2, 1, 0, 1, 2, 1, 0]]]);
    assert.deepEqual([...randomCrop(6, { padIfNeeded: true })(x).shape], [1, 6, 6]);
  });

  it('randomHorizontalFlip: p=1 mirrors, p=0 keeps, a batch draws per image', () => {
    const x = indexed(2, 2, 3);
    assertClose(randomHorizontalFlip(1)(x), [
      [
        [2, 1, 0],
        [12, 11, 10],
      ],
      [
        [102, 101, 100],
        [112, 111, 110],
      ],
    ]);
    assertClose(randomHorizontalFlip(0)(x), x);
    const batch = randomHorizontalFlip(0.5, { generator: new Generator(0) })(x.unsqueeze(0).expand(40, 2, 2, 3));
    const firsts = Array.from({ length: 40 }, (_, n) => batch.select(0, n).toTypedArray()[0]);
    assert.ok(firsts.includes(0) && firsts.includes(2), `flips: ${firsts.join(',')}`);
  });

  it('compose applies left to right', () => {
    const t = compose(randomHorizontalFlip(1), normalize([1], [2]));
    assertClose(t(tensor([[[1, 3]]])), [[[1, 0]]]);
  });
});
