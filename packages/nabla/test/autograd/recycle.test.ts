import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { grad, jsBackend, nn, optim, randn, setBackend, type Tensor } from '../../src/index.js';
import { linear } from '../../src/ops/matmul.js';
import { allocate, isDebugRecycling, setDebugRecycling } from '../../src/tensor/dtype.js';
import { reuseStorageData, Storage, storageOf } from '../../src/tensor/storage.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { assertClose } from '../helpers.js';

// Backward hands dead float32 gradient buffers back for reuse (engine.ts recycleIfDead and
// accumulateGrad). These sizes are above the recycling threshold (4096 floats), so buffers really
// are reused; each check fails if a reused buffer was still reachable from a live tensor.

const snapshot = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** loss = sum(relu(relu(x W1ᵀ + b1) W2ᵀ)) with float32 or float64 copies of the same values. */
function twoLayer(
  dtype: 'float32' | 'float64',
  seed: Tensor[],
): { x: Tensor; w1: Tensor; b1: Tensor; w2: Tensor; h: () => Tensor; loss: () => Tensor } {
  const [x0, w10, b10, w20] = seed;
  const x = x0.to(dtype).detach().requiresGrad_();
  const w1 = w10.to(dtype).detach().requiresGrad_();
  const b1 = b10.to(dtype).detach().requiresGrad_();
  const w2 = w20.to(dtype).detach().requiresGrad_();
  const h = (): Tensor => linear(x, w1, b1).relu();
  return { x, w1, b1, w2, h, loss: () => linear(h(), w2).relu().sum() };
}

describe('gradient buffer recycling', () => {
  const seed = [randn([64, 96]), randn([80, 96]), randn([80]), randn([70, 80])];
  for (const backend of backendsUnderTest()) {
    it(`${backend.name}: repeated steps match float64 and leave earlier results intact`, () => {
      withBackend(backend, () => {
        const ref = twoLayer('float64', seed);
        ref.loss().backward();
        const f = twoLayer('float32', seed);
        const kept: [Tensor, number[]][] = [];
        for (let step = 0; step < 4; step++) {
          for (const p of [f.x, f.w1, f.b1, f.w2]) p.grad = null;
          const hidden = f.h().retainGrad();
          const loss = linear(hidden, f.w2).relu().sum();
          loss.backward();
          for (const [t, want] of [
            [f.x, ref.x],
            [f.w1, ref.w1],
            [f.b1, ref.b1],
            [f.w2, ref.w2],
          ] as const) {
            assertClose(t.grad!, want.grad!.to('float32'), { rtol: 1e-4, atol: 1e-4 });
          }
          // Everything the user can still reach keeps its values through later steps.
          for (const t of [hidden, hidden.grad!, f.x.grad!, f.w1.grad!, f.w2.grad!]) kept.push([t, snapshot(t)]);
        }
        for (const [t, values] of kept) assert.deepEqual(snapshot(t), values);
      });
    });

    it(`${backend.name}: grad() results and a caller's output gradient are never reused`, () => {
      withBackend(backend, () => {
        const f = twoLayer('float32', seed);
        const out = linear(f.h(), f.w2);
        const gradOutput = randn(out.shape);
        const given = snapshot(gradOutput);
        const [gx, gw] = grad(out, [f.x, f.w1], { gradOutput }) as Tensor[];
        const keep = [snapshot(gx), snapshot(gw)];
        for (let i = 0; i < 3; i++) f.loss().backward();
        assert.deepEqual([snapshot(gx), snapshot(gw)], keep);
        assert.deepEqual(snapshot(gradOutput), given);
      });
    });
  }

  it('an MLP trains the same with and without the wasm backend reusing buffers', () => {
    const train = (backend: string): number[] => {
      setBackend(backend === 'js' ? jsBackend : backendsUnderTest()[1]);
      try {
        const model = new nn.Sequential(
          new nn.Linear(96, 128),
          new nn.ReLU(),
          new nn.Linear(128, 64),
          new nn.ReLU(),
          new nn.Linear(64, 10),
        );
        model.loadStateDict(reference.stateDict());
        const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
        const lossFn = new nn.CrossEntropyLoss();
        const losses: number[] = [];
        for (let i = 0; i < 8; i++) {
          opt.zeroGrad();
          const loss = lossFn.forward(model.forward(batch), labels);
          loss.backward();
          opt.step();
          losses.push(loss.item());
        }
        return losses;
      } finally {
        setBackend(jsBackend);
      }
    };
    const reference = new nn.Sequential(
      new nn.Linear(96, 128),
      new nn.ReLU(),
      new nn.Linear(128, 64),
      new nn.ReLU(),
      new nn.Linear(64, 10),
    );
    const batch = randn([64, 96]);
    const labels = randn([64, 10]).argmax(1);
    if (backendsUnderTest().length < 2) return;
    assertClose(train('wasm'), train('js'), { rtol: 1e-4, atol: 1e-5 });
  });
});

describe('reused storage memory', () => {
  it('comes back from allocate zeroed, and the storage it gets next is the one storageOf finds', () => {
    // Reuse itself is under test: debug recycling (NABLA_DEBUG=recycle) never reuses a buffer.
    const debug = isDebugRecycling();
    setDebugRecycling(false);
    after(() => setDebugRecycling(debug));
    const n = 1 << 15;
    const first = new Storage(new Float32Array(n).fill(3));
    assert.equal(storageOf(first.data), first);
    reuseStorageData(first.data as Float32Array);
    const again = allocate('float32', n);
    assert.equal(again, first.data);
    assert.ok(again.every((v) => v === 0));
    const second = new Storage(again);
    assert.equal(storageOf(again), second);
  });

  it('under debug recycling is poisoned with NaN and never handed out again', () => {
    const debug = isDebugRecycling();
    setDebugRecycling(true);
    after(() => setDebugRecycling(debug));
    const n = 1 << 15;
    const first = new Storage(new Float32Array(n).fill(3));
    reuseStorageData(first.data as Float32Array);
    assert.ok(first.data.every((v) => Number.isNaN(v)));
    const again = allocate('float32', n);
    assert.notEqual(again, first.data);
    assert.ok(again.every((v) => v === 0));
  });
});
