import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { sha256Hex } from '../../src/io/sha256.js';
import { Generator } from '../../src/index.js';

test('sha256Hex gives the digest of node:crypto for lengths around every padding boundary', () => {
  const rng = new Generator(7);
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 111, 119, 120, 127, 128, 129, 1000, 65_537]) {
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng.random() * 256));
    assert.equal(sha256Hex(bytes), createHash('sha256').update(bytes).digest('hex'), `${n} bytes`);
  }
  // FIPS 180-4's example, and a view into a larger buffer (byteOffset honoured).
  assert.equal(
    sha256Hex(new TextEncoder().encode('abc')),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  const inner = new TextEncoder().encode('xxabcxx').subarray(2, 5);
  assert.equal(sha256Hex(inner), sha256Hex(new TextEncoder().encode('abc')));
});
