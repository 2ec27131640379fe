import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { nn, optim, Tensor, type Backend, type DType } from '../../src/index.js';
import { lenet5 } from '../../src/models/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { assertClose } from '../helpers.js';

/** Written by scripts/fixtures/gen_lenet.py: integer weights (× 1/scale), byte images, PyTorch's losses. */
interface LeNetFixture {
  scale: number;
  batch: number;
  steps: number;
  lr: number;
  momentum: number;
  init: Record<string, { shape: number[]; data: number[] }>;
  images: number[];
  labels: number[];
  losses: Record<'float32' | 'float64', number[]>;
  finalFc: Record<'float32' | 'float64', Record<string, number[]>>;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/lenet.json', import.meta.url), 'utf8')) as LeNetFixture;

/** Trains lenet5 as the generator does (SGD with momentum, cross-entropy, fixed batches). */
function train(dtype: DType): { losses: number[]; model: nn.Module } {
  const model = lenet5();
  const state = Object.fromEntries(
    Object.entries(fx.init).map(([k, v]) => [
      k,
      Tensor.fromData(
        Float64Array.from(v.data, (q) => q / fx.scale),
        v.shape,
      ),
    ]),
  );
  model.loadStateDict(state);
  // Parameters start as float32; float64 training runs on float64 copies of the same values.
  const params = model.parameters();
  const work = dtype === 'float32' ? params : params.map((p) => new nn.Parameter(p.to('float64')));
  const pool = fx.labels.length;
  const xAll = Tensor.fromData(Float64Array.from(fx.images), [pool, 1, 28, 28]).to(dtype).div(255);
  const yAll = Tensor.fromData(Int32Array.from(fx.labels), [pool]);
  const forward = dtype === 'float32' ? (x: Tensor) => model.forward(x) : forward64(model, work);
  const opt = new optim.SGD(work, { lr: fx.lr, momentum: fx.momentum });
  const losses: number[] = [];
  for (let step = 0; step < fx.steps; step++) {
    const start = (step * fx.batch) % pool;
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(forward(xAll.narrow(0, start, fx.batch)), yAll.narrow(0, start, fx.batch));
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return { losses, model };
}

/** The same network in float64, written with the functional API over the given parameters. */
function forward64(model: nn.Module, p: nn.Parameter[]): (x: Tensor) => Tensor {
  const F = nn.functional;
  assert.equal(p.length, 10, `lenet5 has 10 parameter tensors, got ${p.length} (${model})`);
  return (x) => {
    let h = F.maxPool2d(F.conv2d(x, p[0], p[1], { padding: 2 }).relu(), 2);
    h = F.maxPool2d(F.conv2d(h, p[2], p[3]).relu(), 2).flatten(1);
    h = F.linear(F.linear(h, p[4], p[5]).relu(), p[6], p[7]).relu();
    return F.linear(h, p[8], p[9]);
  };
}

describe('LeNet-5 follows PyTorch for 30 SGD steps from identical weights and batches', () => {
  for (const backend of backendsUnderTest() as Backend[]) {
    it(`float32 (${backend.name} backend): loss curve within 1e-4 relative, final classifier close`, () =>
      withBackend(backend, () => {
        const { losses, model } = train('float32');
        assertClose(losses, fx.losses.float32, { rtol: 1e-4, atol: 0, message: 'loss' });
        const state = model.stateDict();
        assertClose(state['11.bias'], fx.finalFc.float32['11.bias'], { rtol: 1e-3, atol: 1e-5, message: 'fc3 bias' });
        assertClose(state['11.weight'], fx.finalFc.float32['11.weight'], {
          rtol: 1e-3,
          atol: 1e-5,
          message: 'fc3 weight',
        });
        // It learns: the last pass over the pool has a lower loss than the first.
        const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
        assert.ok(mean(losses.slice(-4)) < mean(losses.slice(0, 4)));
      }));
  }

  it('float64: loss curve within 1e-9 relative', () => {
    const { losses } = train('float64');
    assertClose(losses, fx.losses.float64, { rtol: 1e-9, atol: 0, message: 'loss' });
  });

  it('has the classic layer sizes and PyTorch state-dict keys', () => {
    const model = lenet5();
    assert.deepEqual(Object.keys(model.stateDict()), Object.keys(fx.init));
    assert.equal(
      model.parameters().reduce((n, p) => n + p.numel(), 0),
      61706,
    );
  });
});
