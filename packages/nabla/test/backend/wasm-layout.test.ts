// The constants the JS side and the WASM kernels share have one definition (src/backend/wasm/
// layout.ts); these tests fail if the AssemblyScript side generated from it, or a built binary,
// disagrees with it, and check the thread area size that only the module computes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as binaries from '../../src/backend/wasm/binary.generated.js';
import {
  checkWasmLayout,
  F,
  INITIAL_PAGES,
  JOB_BASE,
  JOB_WORDS,
  MAX_PAGES,
  wasmConstants,
  WINDOW_FIELDS,
} from '../../src/backend/wasm/layout.js';

const generated = readFileSync(new URL('../../assembly/layout.generated.ts', import.meta.url), 'utf8');

function instantiate(variant: keyof typeof binaries): WebAssembly.Exports | null {
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the four variants are chosen by name
  const bytes = Buffer.from(binaries[variant], 'base64');
  if (!WebAssembly.validate(bytes)) return null; // relaxed SIMD where the engine lacks it
  const shared = variant.endsWith('Shared');
  const memory = new WebAssembly.Memory({
    initial: INITIAL_PAGES,
    maximum: MAX_PAGES,
    shared,
  } as WebAssembly.MemoryDescriptor);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
}

describe('wasm layout: one definition for both sides', () => {
  it('assembly/layout.generated.ts declares exactly the constants of layout.ts', () => {
    const declared = Object.fromEntries(
      [...generated.matchAll(/^export const (\w+): i32 = (-?\d+);$/gm)].map((m) => [m[1], Number(m[2])]),
    );
    assert.deepEqual(declared, wasmConstants());
  });

  it('the generated Win struct has the window fields in layout order', () => {
    const body = /class Win \{([^}]*)\}/.exec(generated);
    assert.ok(body, 'no Win class in assembly/layout.generated.ts');
    assert.deepEqual(
      [...body[1].matchAll(/(\w+): i32;/g)].map((m) => m[1]),
      [...WINDOW_FIELDS],
    );
  });

  it('job fields are distinct words below JOB_WORDS, the window fields right before src', () => {
    const words = Object.values(F);
    assert.equal(new Set(words).size, words.length);
    assert.ok(Math.max(...words) < JOB_WORDS);
    assert.equal(F.src, F.win + WINDOW_FIELDS.length);
  });

  for (const variant of Object.keys(binaries) as (keyof typeof binaries)[]) {
    it(`the ${variant} binary exports every constant with layout.ts's value`, (t) => {
      const exports = instantiate(variant);
      if (!exports) return t.skip('this engine lacks relaxed SIMD');
      checkWasmLayout(exports);
      for (const [name, value] of Object.entries(wasmConstants()))
        assert.equal((exports[name] as WebAssembly.Global).value, value, name);
    });
  }

  it('checkWasmLayout rejects a module built from another layout, naming the constant', () => {
    const exports = { ...instantiate('simdPrivate')! };
    exports.CONV_GRAD_CHUNKS = new WebAssembly.Global({ value: 'i32' }, 8);
    delete exports.COLS_BYTES;
    assert.throws(
      () => checkWasmLayout(exports),
      /CONV_GRAD_CHUNKS is 8 in the module, 16 in layout\.ts; COLS_BYTES is missing/,
    );
  });
});

describe('wasm convolution thread area (computed only by the module)', () => {
  const exports = instantiate('simdPrivate')!;
  const memory = exports.memory as WebAssembly.Memory;
  const areaBytes = exports.convAreaBytes as (job: number) => number;
  const area = (w: Record<(typeof WINDOW_FIELDS)[number], number>, co: number): number => {
    const job = new Int32Array(memory.buffer, JOB_BASE, JOB_WORDS);
    WINDOW_FIELDS.forEach((f, i) => (job[F.win + i] = w[f]));
    job[F.co] = co;
    return areaBytes(JOB_BASE);
  };
  const lenet1 = {
    batch: 64,
    channels: 1,
    height: 28,
    width: 28,
    kernelH: 5,
    kernelW: 5,
    strideH: 1,
    strideW: 1,
    padH: 2,
    padW: 2,
    dilationH: 1,
    dilationW: 1,
    outH: 28,
    outW: 28,
  };

  it('holds columns, the weight-gradient product and the zero-padded image, 64-byte aligned', () => {
    // LeNet's first conv: columns 25 x 784, product 6 x 25, padded image 32 x 32 floats.
    assert.equal(area(lenet1, 6), Math.ceil(((25 * 784 + 6 * 25 + 32 * 32) * 4) / 64) * 64);
  });

  it('has no padded image without padding or off the fast path (stride or dilation)', () => {
    assert.equal(
      area({ ...lenet1, padH: 0, padW: 0, outH: 24, outW: 24 }, 6),
      Math.ceil(((25 * 576 + 150) * 4) / 64) * 64,
    );
    assert.equal(area({ ...lenet1, strideW: 2, outW: 14 }, 6), Math.ceil(((25 * 28 * 14 + 150) * 4) / 64) * 64);
  });

  it('reaches past the image when the last window does (even kernel, asymmetric "same" padding)', () => {
    // 4x4 kernel, 1 padded row before, 9 rows out: windows reach row 8 + 4 = 12 of a 9 + 1 padded image.
    const w = {
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
    };
    assert.equal(area(w, 3), Math.ceil(((32 * 99 + 3 * 32 + 2 * 12 * 14) * 4) / 64) * 64);
  });

  it('saturates instead of wrapping past 2^31 bytes', () => {
    const huge = { ...lenet1, channels: 4096, height: 1024, width: 1024, outH: 1024, outW: 1024 };
    assert.equal(area(huge, 1), 2 ** 31 - 1);
  });
});
