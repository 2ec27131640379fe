import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  initWasm,
  jsBackend,
  manualSeed,
  nn,
  optim,
  randint,
  randn,
  setBackend,
  type Tensor,
} from '../../src/index.js';
import '../../src/node.js'; // worker_threads for the WASM pool
import { RESIDENT_MAX_BYTES, WasmHeap } from '../../src/backend/wasm/heap.js';
import { makeKeepResident, residentMin } from '../../src/backend/wasm/resident.js';
import { INITIAL_PAGES, MAX_PAGES } from '../../src/backend/wasm/layout.js';
import { Storage } from '../../src/tensor/storage.js';

// Two threads, so that updates of long resident arrays run as a threaded job.
const wasm = await initWasm({ threads: 2 });
setBackend('js');

const SCRATCH = 1 << 16;

function heapOf(shared: boolean): WasmHeap {
  const memory = new WebAssembly.Memory({
    initial: INITIAL_PAGES,
    maximum: MAX_PAGES,
    shared,
  } as WebAssembly.MemoryDescriptor);
  const heap = new WasmHeap(memory, SCRATCH);
  heap.setThreads(2);
  return heap;
}

describe('wasm heap: resident blocks', () => {
  it('reuses a freed block, merges neighbours, and moves scratch back down when the top block goes', () => {
    const heap = heapOf(true);
    const scratch0 = heap.scratchBase;
    const a = heap.residentAlloc(1000)!;
    const b = heap.residentAlloc(3000)!;
    const c = heap.residentAlloc(500)!;
    assert.ok(heap.scratchBase >= c.byteOffset + 500 * 4, 'scratch lies above every block');
    assert.equal(heap.residentAddress(b), b.byteOffset);
    assert.equal(heap.residentAddress(b.subarray(1)), null, 'a part of a block is not resident');
    assert.equal(heap.residentAddress(new Float32Array(3000)), null);
    heap.residentFree(b.byteOffset);
    assert.deepEqual(heap.residentUsage().freeBlocks, 1);
    const d = heap.residentAlloc(2000)!;
    assert.equal(d.byteOffset, b.byteOffset, 'first fit takes the freed block');
    heap.residentFree(a.byteOffset);
    heap.residentFree(d.byteOffset);
    assert.equal(heap.residentUsage().freeBlocks, 1, 'adjacent free blocks merge');
    heap.residentFree(c.byteOffset);
    assert.deepEqual(heap.residentUsage(), { bytes: 0, freeBlocks: 0 });
    assert.equal(heap.scratchBase, scratch0);
    assert.throws(() => heap.residentFree(c.byteOffset), /no resident block/);
  });

  it('keeps views valid across memory growth, and stops at its byte limit', () => {
    const heap = heapOf(true);
    const a = heap.residentAlloc(10)!;
    a.set([1, 2, 3]);
    const before = heap.memory.buffer.byteLength;
    const big = heap.residentAlloc(16 << 20)!; // 64 MiB: the memory grows
    assert.ok(heap.memory.buffer.byteLength > before);
    big[big.length - 1] = 7;
    assert.deepEqual(Array.from(a.subarray(0, 3)), [1, 2, 3]);
    assert.equal(heap.residentAddress(a), a.byteOffset, 'a view on the buffer before growth is still found');
    assert.equal(heap.residentAlloc(RESIDENT_MAX_BYTES / 4), null);
  });

  it('has none on a private memory, whose buffer growth detaches', () => {
    assert.equal(heapOf(false).residentAlloc(10), null);
  });

  it('frees a block once its storage is garbage-collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = heapOf(true);
    const keep = makeKeepResident(heap);
    (() => {
      const st = new Storage(new Float32Array(4096).fill(2));
      keep(st);
      assert.equal(heap.residentAddress(st.data as Float32Array), (st.data as Float32Array).byteOffset);
      assert.equal(st.data[4095], 2, 'the values moved with the storage');
    })();
    for (let i = 0; i < 20 && heap.residentUsage().bytes > 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(heap.residentUsage().bytes, 0);
  });
});

describe('wasm fill', () => {
  it('fills arrays in WASM memory in the module and others in JS, with the same values', () => {
    const st = new Storage(new Float32Array(5000).fill(3));
    wasm.keepResident!(st);
    const inHeap = st.data as Float32Array;
    assert.ok(inHeap.buffer instanceof SharedArrayBuffer);
    const plain = new Float32Array(5000).fill(3);
    for (const [value, start, end] of [
      [0, 0, 5000],
      [-0, 7, 4001],
      [1.1, 3, 4998],
      [Number.NaN, 1, 2],
      [0, 4999, 5000],
    ] as const) {
      wasm.fill(inHeap, value, start, end);
      jsBackend.fill(plain, value, start, end);
      assert.deepEqual(
        new Uint32Array(inHeap.buffer, inHeap.byteOffset, 5000),
        new Uint32Array(plain.buffer),
        `fill ${value} [${start}, ${end})`,
      );
    }
    const f64 = new Float64Array(4).fill(1);
    wasm.fill(f64, 2, 1, 3);
    assert.deepEqual(Array.from(f64), [1, 2, 2, 1]);
  });
});

describe('Storage.relocate', () => {
  it('moves the values and every tensor on the storage follows', () => {
    const st = new Storage(new Float32Array([1, 2, 3]));
    const target = new Float32Array(new SharedArrayBuffer(12));
    st.relocate(target);
    assert.equal(st.data, target);
    assert.deepEqual(Array.from(target), [1, 2, 3]);
    assert.throws(() => st.relocate(new Float32Array(2)), /Float32Array of 3 elements, got a Float32Array of 2/);
    assert.throws(() => st.relocate(new Float64Array(3)), /got a Float64Array/);
  });
});

/**
 * Trains a 784-512-10 MLP for `steps` steps on the wasm backend, keeping large arrays resident or
 * none, and returns its parameters and the optimizer.
 */
function train(resident: boolean, makeOpt: (p: Tensor[]) => optim.Optimizer<never>, steps: number) {
  setBackend(wasm);
  const min = residentMin.floats;
  if (!resident) residentMin.floats = Number.POSITIVE_INFINITY;
  try {
    manualSeed(7);
    const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 10));
    const params = model.parameters();
    const opt = makeOpt(params);
    const x = randn([64, 784]);
    const y = randint(0, 10, [64]);
    const loss = new nn.CrossEntropyLoss();
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      loss.forward(model.forward(x), y).backward();
      opt.step();
    }
    return { params, opt };
  } finally {
    residentMin.floats = min;
    setBackend(jsBackend);
  }
}

const shared = (t: Tensor): boolean => t.storage.data.buffer instanceof SharedArrayBuffer;

describe('optimizers keep parameters, gradients and state resident on the wasm backend', () => {
  const cases: [string, (p: Tensor[]) => optim.Optimizer<never>][] = [
    ['SGD momentum', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9 }) as never],
    ['Adam', (p) => new optim.Adam(p, { lr: 1e-3 }) as never],
    ['AdamW amsgrad', (p) => new optim.AdamW(p, { lr: 1e-3, amsgrad: true }) as never],
    ['RMSprop centered momentum', (p) => new optim.RMSprop(p, { lr: 1e-3, centered: true, momentum: 0.5 }) as never],
    ['Adagrad', (p) => new optim.Adagrad(p, { lr: 0.01, weightDecay: 0.1 }) as never],
    ['Adadelta', (p) => new optim.Adadelta(p, { weightDecay: 0.1 }) as never],
  ];
  for (const [name, make] of cases) {
    it(`${name}: resident after two steps, and bit-identical to copying every step, after four`, () => {
      const ref = train(false, make, 4);
      assert.ok(!shared(ref.params[0]));
      const got = train(true, make, 4);
      const weight = got.params[0];
      assert.ok(shared(weight) && shared(weight.grad!), 'the large weight and its gradient live in WASM memory');
      for (const st of got.opt.state.values())
        for (const v of Object.values(st)) if (typeof v !== 'number' && v.numel() >= 1024) assert.ok(shared(v));
      assert.ok(!shared(got.params[3]), 'a 10-element bias stays in JS memory');
      got.params.forEach((p, i) => assert.deepEqual(p.toTypedArray(), ref.params[i].toTypedArray(), `parameter ${i}`));
    });
  }

  it('leaves a gradient that zeroGrad(true) replaces every step in JS memory', () => {
    setBackend(wasm);
    try {
      const lin = new nn.Linear(256, 64);
      const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
      const x = randn([8, 256]);
      for (let s = 0; s < 3; s++) {
        opt.zeroGrad(true);
        lin.forward(x).sum().backward();
        opt.step();
      }
      assert.ok(shared(lin.weight));
      assert.ok(!shared(lin.weight.grad!));
    } finally {
      setBackend(jsBackend);
    }
  });
});
