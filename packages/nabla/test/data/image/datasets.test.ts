import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataLoader, Generator, MnistDataset, parseIdx, transforms } from '../../../src/index.js';
import { ImageFolder, decodeImage, loadFashionMnist, loadMnist, readIdx, readImage } from '../../../src/node.js';
import { assertClose } from '../../helpers.js';
import { fixturePath, fixtures } from './fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'nabla-images-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('MnistDataset', () => {
  const ds = loadMnist(fixturePath('mnist'));
  const pixels = fixtures.idx.images.data;

  it('getItem: float32 [1, H, W] in [0, 1] and an int32 label', () => {
    assert.equal(ds.length, 5);
    const [x, y] = ds.getItem(2);
    assert.deepEqual([...x.shape], [1, 4, 3]);
    assertClose(
      x,
      pixels.slice(24, 36).map((v) => v / 255),
    );
    assert.equal(y.dtype, 'int32');
    assert.equal(y.item(), 9);
    assert.throws(() => ds.getItem(5), /index 5 is out of range for 5 images/);
  });

  it('DataLoader batches through getBatch, applying the transform to the batch', () => {
    const flipped = new MnistDataset(
      readIdx(fixturePath('mnist/train-images-idx3-ubyte')),
      readIdx(fixturePath('mnist/train-labels-idx1-ubyte.gz')),
      {
        transform: transforms.randomHorizontalFlip(1),
      },
    );
    const batches = [...new DataLoader(flipped, { batchSize: 2 })];
    assert.deepEqual(
      batches.map(([x, y]) => [[...x.shape], [...y.shape]]),
      [
        [[2, 1, 4, 3], [2]],
        [[2, 1, 4, 3], [2]],
        [[1, 1, 4, 3], [1]],
      ],
    );
    const [x0] = batches[0];
    assertClose(
      x0.select(0, 0).select(1, 0),
      [pixels[2], pixels[1], pixels[0]].map((v) => v / 255),
    );
    assert.deepEqual(Array.from(batches[1][1].toTypedArray()), [9, 1]);
  });

  it('tensors(): the whole set as [N, 1, H, W] and int32 labels', () => {
    const { images, labels } = ds.tensors();
    assert.deepEqual([...images.shape], [5, 1, 4, 3]);
    assertClose(
      images,
      pixels.map((v) => v / 255),
    );
    assert.deepEqual(Array.from(labels.toTypedArray()), fixtures.idx.labels.data);
  });

  it('mismatched counts and missing files are named', () => {
    const images = parseIdx(readFileSync(fixturePath('mnist/train-images-idx3-ubyte')));
    const labels = { dtype: 'uint8' as const, shape: [4], data: new Uint8Array(4) };
    assert.throws(() => new MnistDataset(images, labels, { source: 'pair' }), /pair: 5 images but 4 labels/);
    assert.throws(() => loadMnist(fixturePath('mnist'), { train: false }), /t10k-images-idx3-ubyte\(\.gz\) not found/);
    assert.throws(() => loadFashionMnist({ root: scratch }), /run scripts\/install-fashion-mnist\.sh/);
  });
});

describe('PNG/JPEG decoding', () => {
  it('matches what Pillow decodes (PNG exactly, JPEG within a few levels)', () => {
    for (const [name, ref] of Object.entries(fixtures.decoded)) {
      const img = readImage(fixturePath(name));
      assert.deepEqual([img.width, img.height], [ref.width, ref.height], name);
      const atol = /\.jpe?g$/.test(name) ? 6 : 0;
      assertClose(Array.from(transforms.convertImage(img, 1).data), ref.L, { atol, rtol: 0, message: `${name} L` });
      assertClose(Array.from(transforms.convertImage(img, 3).data), ref.RGB, { atol, rtol: 0, message: `${name} RGB` });
    }
  });

  it('a truncated or corrupt file fails with its name', () => {
    const png = readFileSync(fixturePath('folder/circle/a-grey.png'));
    const jpg = readFileSync(fixturePath('folder/circle/b-rgb.jpg'));
    assert.throws(
      () => decodeImage(png.subarray(0, 60), 'cut.png'),
      /cut\.png: corrupt or truncated PNG file: the data ends early/,
    );
    assert.throws(
      () => decodeImage(jpg.subarray(0, jpg.length >> 1), 'cut.jpg'),
      /cut\.jpg: corrupt or truncated JPEG file/,
    );
    const bad = Buffer.from(png);
    bad[40] ^= 0xff; // inside a chunk: the CRC check fails
    assert.throws(() => decodeImage(bad, 'crc.png'), /crc\.png: corrupt or truncated PNG file/);
    assert.throws(
      () => decodeImage(new TextEncoder().encode('GIF89a...'), 'x.gif'),
      /x\.gif: not a PNG or JPEG file \(it starts with \[47 49 46 38\]\)/,
    );
  });
});

describe('ImageFolder', () => {
  it('classes from sorted folder names, labels in file order, grey and RGB', () => {
    const ds = ImageFolder.load(fixturePath('folder'), { mode: 'grey' });
    assert.deepEqual(ds.classes, ['circle', 'square', 'triangle']);
    assert.deepEqual(Array.from(ds.labels), [0, 0, 1, 1, 1, 2]);
    assert.deepEqual(ds.classToIdx, { circle: 0, square: 1, triangle: 2 });
    const [x, y] = ds.getItem(2);
    assert.deepEqual([...x.shape], [1, 6, 8]);
    assert.equal(y.item(), 1);
    assertClose(
      x,
      fixtures.decoded['folder/square/c-rgba.png'].L.map((v) => v / 255),
    );
    const rgb = ImageFolder.load(fixturePath('folder'));
    assert.deepEqual([...rgb.getItem(0)[0].shape], [3, 6, 8]);
  });

  it('size resizes every image; batches come through DataLoader', () => {
    const ds = ImageFolder.load(fixturePath('folder'), {
      size: [3, 4],
      transform: transforms.normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    });
    const [[x, y]] = [...new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new Generator(0) })];
    assert.deepEqual([...x.shape], [6, 3, 3, 4]);
    assert.deepEqual(Array.from(y.toTypedArray()).sort(), [0, 0, 1, 1, 1, 2]);
    assert.ok(x.amin().item() >= -1 && x.amax().item() <= 1);
  });

  it('mixed sizes name both files and suggest size', () => {
    assert.throws(
      () => ImageFolder.load(fixturePath('mixed'), { mode: 'grey' }),
      /mixed sizes: .*big\/x\.png is 8x8 \(WxH\) but .*small\/y\.png is 5x6; pass \{ size \}/,
    );
    assert.equal(ImageFolder.load(fixturePath('mixed'), { mode: 'grey', size: 4 }).length, 2);
  });

  it('no images, empty classes, a missing root, a corrupt file', () => {
    const empty = join(scratch, 'empty');
    mkdirSync(join(empty, 'a'), { recursive: true });
    writeFileSync(join(empty, 'a', 'notes.txt'), 'no images here');
    assert.throws(() => ImageFolder.load(empty), /no images \(\.png, \.jpg, \.jpeg\) in the class folders of .*empty/);
    assert.throws(() => ImageFolder.load(join(scratch, 'none')), /none is not a folder/);
    const noClasses = join(scratch, 'flat');
    mkdirSync(noClasses);
    assert.throws(() => ImageFolder.load(noClasses), /has no class sub-folders/);
    const partly = join(scratch, 'partly');
    cpSync(fixturePath('folder'), partly, { recursive: true });
    mkdirSync(join(partly, 'zebra'));
    assert.throws(() => ImageFolder.load(partly), /class folder\(s\) zebra in .* hold no images/);
    rmSync(join(partly, 'zebra'), { recursive: true });
    const png = readFileSync(fixturePath('folder/triangle/f-rgb.png'));
    writeFileSync(join(partly, 'triangle', 'g-cut.png'), png.subarray(0, 50));
    assert.throws(() => ImageFolder.load(partly), /triangle\/g-cut\.png: corrupt or truncated PNG file/);
  });
});
