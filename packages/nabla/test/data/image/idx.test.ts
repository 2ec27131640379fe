import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeIdx, idxToTensor, parseIdx } from '../../../src/index.js';
import { readIdx } from '../../../src/node.js';
import { assertClose } from '../../helpers.js';
import { fixturePath, fixtures } from './fixtures.js';

describe('IDX', () => {
  it('reads uint8 images and gzipped labels (readIdx gunzips by content)', () => {
    const images = readIdx(fixturePath('mnist/train-images-idx3-ubyte'));
    const labels = readIdx(fixturePath('mnist/train-labels-idx1-ubyte.gz'));
    assert.equal(images.dtype, 'uint8');
    assert.deepEqual(images.shape, fixtures.idx.images.shape);
    assert.deepEqual(Array.from(images.data), fixtures.idx.images.data);
    assert.deepEqual(labels.shape, [5]);
    assert.deepEqual(Array.from(labels.data), fixtures.idx.labels.data);
  });

  it('keeps a large gzipped file decompressed in the cache and reads it from there next time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nabla-idx-cache-'));
    const saved = { xdg: process.env.XDG_CACHE_HOME, off: process.env.NABLA_IDX_CACHE };
    try {
      process.env.XDG_CACHE_HOME = join(dir, 'cache');
      delete process.env.NABLA_IDX_CACHE;
      const n = 1500;
      const raw = new Uint8Array(16 + n * 28 * 28);
      new DataView(raw.buffer).setUint32(0, 0x803);
      [n, 28, 28].forEach((d, i) => new DataView(raw.buffer).setUint32(4 + 4 * i, d));
      raw.forEach((_, i) => i >= 16 && (raw[i] = (i * 7) % 251));
      const file = join(dir, 'big-idx3-ubyte.gz');
      writeFileSync(file, gzipSync(raw));
      const first = readIdx(file);
      const cacheDir = join(dir, 'cache', 'nabla', 'idx');
      const [entry] = readdirSync(cacheDir);
      assert.deepEqual(readFileSync(join(cacheDir, entry)), Buffer.from(raw));
      const second = readIdx(file);
      assert.deepEqual(second.shape, [n, 28, 28]);
      assert.deepEqual(
        Buffer.from(second.data.buffer, second.data.byteOffset, second.data.byteLength),
        Buffer.from(first.data.buffer, first.data.byteOffset, first.data.byteLength),
      );
      // A truncated cache entry is not trusted (the gzip trailer gives the size).
      writeFileSync(join(cacheDir, entry), raw.subarray(0, 100));
      assert.deepEqual(readIdx(file).shape, [n, 28, 28]);
      rmSync(cacheDir, { recursive: true });
      process.env.NABLA_IDX_CACHE = '0';
      readIdx(file);
      assert.throws(() => readdirSync(cacheDir), /ENOENT/);
    } finally {
      for (const [k, v] of [
        ['XDG_CACHE_HOME', saved.xdg],
        ['NABLA_IDX_CACHE', saved.off],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes big-endian int16, int32, float32 and float64', () => {
    for (const [file, dtype] of [
      ['int16.idx', 'int16'],
      ['int32.idx', 'int32'],
      ['float32.idx', 'float32'],
      ['float64.idx', 'float64'],
    ] as const) {
      const idx = readIdx(fixturePath(file));
      assert.equal(idx.dtype, dtype);
      assert.deepEqual(idx.shape, fixtures.idx[dtype].shape);
      assertClose(Array.from(idx.data), fixtures.idx[dtype].data, { rtol: 1e-7, atol: 0, message: file });
    }
  });

  it('idxToTensor: int32 for integer types, float for float types', () => {
    const t = idxToTensor(readIdx(fixturePath('int16.idx')));
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(t.toArray(), [
      [-300, 2],
      [32767, -32768],
    ]);
    assert.equal(idxToTensor(readIdx(fixturePath('float64.idx'))).dtype, 'float64');
  });

  it('decodeIdx gunzips with DecompressionStream (browser path)', async () => {
    const raw = readFileSync(fixturePath('mnist/train-images-idx3-ubyte'));
    const idx = await decodeIdx(gzipSync(raw), 'x.gz');
    assert.deepEqual(Array.from(idx.data), fixtures.idx.images.data);
    await assert.rejects(decodeIdx(gzipSync(raw).subarray(0, 30), 'cut.gz'), /cut\.gz: corrupt or truncated gzip/);
  });

  it('a truncated file names the file, the shape and both sizes', () => {
    const raw = readFileSync(fixturePath('mnist/train-images-idx3-ubyte'));
    assert.throws(
      () => parseIdx(raw.subarray(0, raw.length - 3), 'imgs.idx'),
      /imgs\.idx: truncated: the header says uint8 of shape \[5, 4, 3\] \(76 bytes in all\) but the file has 73 bytes/,
    );
    assert.throws(() => parseIdx(raw.subarray(0, 10), 'imgs.idx'), /imgs\.idx: truncated IDX header/);
    assert.throws(() => parseIdx(Buffer.concat([raw, Buffer.from([1])]), 'imgs.idx'), /imgs\.idx: has trailing bytes/);
  });

  it('a bad magic number or gzip input to parseIdx says what it found', () => {
    assert.throws(
      () => parseIdx(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0]), 'a.png'),
      /a\.png: not an IDX file: it starts with \[89 50 4e 47\]/,
    );
    assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 0]), 'odd'), /odd: not an IDX file/);
    assert.throws(
      () => parseIdx(gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 0])), 'z.gz'),
      /z\.gz: the data is gzip-compressed/,
    );
  });

  it('readIdx names a file whose gzip stream is corrupt', () => {
    const gz = readFileSync(fixturePath('mnist/train-labels-idx1-ubyte.gz'));
    const dir = mkdtempSync(join(tmpdir(), 'nabla-idx-'));
    try {
      const path = join(dir, 'cut-labels-idx1-ubyte.gz');
      writeFileSync(path, gz.subarray(0, gz.length - 6));
      assert.throws(() => readIdx(path), new RegExp(`${path.replace(/[.]/g, '\\.')}: corrupt or truncated gzip data`));
    } finally {
      rmSync(dir, { recursive: true });
    }
    assert.throws(() => readIdx(fixturePath('no-such.idx')), /no-such\.idx/);
  });
});
