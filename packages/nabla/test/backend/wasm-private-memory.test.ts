// The WASM backend as a page that is not cross-origin isolated gets it: private (non-shared)
// memory and no worker threads. Growing private memory detaches its buffer, so this also checks
// that every kernel re-reads its views after allocating. Runs in its own process (node --test),
// with crossOriginIsolated set before nabla is loaded.
import assert from 'node:assert/strict';
import { it } from 'node:test';

(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated = false;
const nb = await import('../../src/index.js');
const { assertClose } = await import('../helpers.js');

it('runs on private memory with one thread and matches the js backend through a CNN training step', async () => {
  await nb.initWasm();
  const info = nb.wasmInfo()!;
  assert.equal(info.sharedMemory, false);
  assert.equal(info.threads, 1);
  const step = (backend: 'js' | 'wasm'): number[][] => {
    nb.setBackend(backend);
    nb.manualSeed(7);
    const model = new nb.nn.Sequential(
      new nb.nn.Conv2d(1, 6, 5, { padding: 2 }),
      new nb.nn.ReLU(),
      new nb.nn.MaxPool2d(2),
      new nb.nn.Conv2d(6, 16, 5),
      new nb.nn.ReLU(),
      new nb.nn.MaxPool2d(2),
      new nb.nn.Flatten(),
      new nb.nn.Linear(400, 120),
      new nb.nn.ReLU(),
      new nb.nn.Linear(120, 10),
    );
    const opt = new nb.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const x = nb.randn([48, 1, 28, 28]);
    const y = nb.randint(0, 10, [48]);
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      const loss = new nb.nn.CrossEntropyLoss().forward(model.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    // A product big enough to grow the memory (and detach its old buffer) mid-run.
    const big = nb
      .matmul(nb.ones([600, 700]), nb.ones([700, 800]))
      .sum()
      .item();
    return [losses, [big], Array.from(model.parameters()[0].toTypedArray())];
  };
  const ref = step('js');
  const got = step('wasm');
  nb.setBackend('js');
  assertClose(got[0], ref[0], { rtol: 1e-4, atol: 1e-5 });
  assert.equal(got[1][0], ref[1][0]);
  assertClose(got[2], ref[2], { rtol: 1e-4, atol: 1e-5 });
});
