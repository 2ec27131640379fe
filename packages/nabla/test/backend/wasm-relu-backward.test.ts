import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initWasm, le, setBackend, tensor, where } from '../../src/index.js';

const wasm = await initWasm();
setBackend('js');

describe('wasm fused relu backward', () => {
  it('gives the bits of where(le(y, 0), 0, dy) on signed zeros, NaN, infinities and subnormals', () => {
    const y = new Float32Array([Number.NaN, Number.NaN, -0, 0, -1, 1, Infinity, -Infinity, 1e-45, -1e-45, 3.5, -2.25]);
    new DataView(y.buffer).setUint32(4, 0xffc00000, true); // a NaN with its sign bit set
    const dy = new Float32Array(y.length).map((_, i) => (i % 3 === 0 ? -0 : i - 4.5));
    const want = where(le(tensor(y), 0), 0, tensor(dy)).toTypedArray();
    const got = new Float32Array(y.length);
    assert.ok(wasm.reluBackward, 'the wasm backend has a fused relu backward');
    wasm.reluBackward(y, dy, got);
    got.forEach((v, i) => assert.ok(Object.is(v, want[i]), `element ${i}: ${v} vs ${want[i]}`));
  });

  it('relu gradients through the fused path match the js backend', () => {
    const run = (): number[] => {
      const x = tensor(
        [
          [-1.5, 0, 2],
          [3, -0.25, 0.5],
        ],
        { requiresGrad: true },
      );
      x.relu().mul(x).sum().backward();
      return Array.from(x.grad!.toTypedArray());
    };
    const ref = run();
    setBackend('wasm');
    try {
      assert.deepEqual(run(), ref);
    } finally {
      setBackend('js');
    }
  });
});
