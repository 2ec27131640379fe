/**
 * Module.to(dtype) / double() / float() and Tensor's `data` setter, as PyTorch's module.to and
 * `p.data = t`; free-form modules (fields found as PyTorch's __setattr__ does); module reprs
 * against torch's (fixture: gen_sequences.py reprs).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { gradcheck, manualSeed, nn, optim, randn, StateError, type Tensor, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('Module.to(dtype)', () => {
  it('converts parameters, float buffers and gradients in place, keeping every object', () => {
    manualSeed(1);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 2, 3),
      new nn.BatchNorm2d(2),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(2 * 4 * 4, 3),
    );
    const params = model.parameters();
    const before = params.map((p) => p.toArray());
    model
      .forward(randn([2, 1, 6, 6]))
      .sum()
      .backward();
    const grads = params.map((p) => p.grad!.toArray());
    assert.equal(model.double(), model);
    assert.deepEqual(model.parameters(), params);
    for (const [i, p] of params.entries()) {
      assert.equal(p.dtype, 'float64');
      assert.equal(p.requiresGrad, true);
      assertClose(p, tensor(before[i] as number[]), { rtol: 1e-7, atol: 0 });
      assert.equal(p.grad!.dtype, 'float64');
      assertClose(p.grad!, tensor(grads[i] as number[]), { rtol: 1e-7, atol: 0 });
    }
    const bn = model.at(1) as nn.BatchNorm2d;
    for (const [name, b] of bn.namedBuffers())
      assert.equal(b.dtype, name === 'num_batches_tracked' ? 'int32' : 'float64', name);
    assert.equal(model.forward(randn([2, 1, 6, 6], { dtype: 'float64' })).dtype, 'float64');
    model.float();
    assert.ok(model.parameters().every((p) => p.dtype === 'float32'));
  });

  it('makes a float64 model that gradcheck can check and an optimizer can train', () => {
    manualSeed(2);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1)).double();
    const x = randn([5, 3], { dtype: 'float64' });
    assert.equal(
      gradcheck((w) => model.forward(x.matmul(w)).sum(), [randn([3, 3], { dtype: 'float64', requiresGrad: true })]),
      true,
    );
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loss = () => model.forward(x).pow(2).mean();
    const start = loss().item();
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      loss().backward();
      opt.step();
    }
    assert.ok(loss().item() < start);
    assert.ok(model.parameters().every((p) => p.dtype === 'float64' && p.grad!.dtype === 'float64'));
  });

  it('refuses integer dtypes, as PyTorch does', () => {
    assert.throws(() => new nn.Linear(2, 2).to('int32'), /only floating point dtypes/);
  });
});

describe('Tensor data setter', () => {
  it('repoints a leaf at new data without changing the object', () => {
    const p = tensor([1, 2, 3], { requiresGrad: true });
    const q = p;
    p.data = tensor(
      [
        [4, 5],
        [6, 7],
      ],
      { dtype: 'float64' },
    );
    assert.equal(q, p);
    assert.equal(p.dtype, 'float64');
    assert.deepEqual(p.shape, [2, 2]);
    assert.deepEqual(p.toArray(), [
      [4, 5],
      [6, 7],
    ]);
    assert.equal(p.requiresGrad, true);
  });

  it('refuses non-leaf tensors and integer data for a tensor that requires grad', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const y = p.mul(2);
    assert.throws(() => {
      y.data = tensor([1, 2]);
    }, /only a leaf tensor/);
    assert.throws(() => {
      p.data = tensor([1, 2], { dtype: 'int32' });
    }, /needs floating point data/);
  });
});

describe('free-form modules (fields found like PyTorch __setattr__)', () => {
  class Affine extends nn.Module<[Tensor], Tensor> {
    a = new nn.Parameter(tensor([0.5]));
    inner = new nn.Linear(1, 1);
    scale = tensor([2]); // a plain tensor: not a parameter
    b: nn.Parameter | null = new nn.Parameter(tensor([0]));
    forward(x: Tensor): Tensor {
      const y = this.inner.forward(x).mul(this.a);
      return this.b ? y.add(this.b) : y;
    }
  }

  it('a Parameter field is in parameters(), namedParameters(), stateDict, and an optimizer trains it', () => {
    manualSeed(0);
    const m = new Affine();
    assert.deepEqual(
      [...m.namedParameters()].map(([n]) => n),
      ['a', 'b', 'inner.weight', 'inner.bias'], // own parameters first, then children's, as PyTorch
    );
    assert.equal(m.parameters()[0], m.a);
    assert.deepEqual(Object.keys(m.stateDict()), ['a', 'b', 'inner.weight', 'inner.bias']);
    assert.deepEqual(
      [...m.namedChildren()].map(([n]) => n),
      ['inner'],
    );
    const x = tensor([[1], [2], [3]]);
    const y = tensor([[3], [5], [7]]);
    const opt = new optim.SGD(m.parameters(), { lr: 0.05 });
    const before = m.a.item();
    let loss = Infinity;
    for (let i = 0; i < 200; i++) {
      opt.zeroGrad();
      const l = nn.functional.mseLoss(m.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    assert.notEqual(m.a.item(), before);
    assert.ok(loss < 1e-3, `loss ${loss}`);
  });

  it('assigning to a member replaces it, null removes it, a wrong kind names the field', () => {
    const m = new Affine();
    const fresh = new nn.Parameter(tensor([1]));
    m.a = fresh;
    assert.equal(m.parameters()[0], fresh);
    m.b = null;
    assert.deepEqual(Object.keys(m.stateDict()), ['a', 'inner.weight', 'inner.bias']);
    (m as unknown as { inner: unknown }).inner = new nn.Identity();
    assert.deepEqual(Object.keys(m.stateDict()), ['a']);
    const lin = new nn.Linear(2, 2);
    (lin as unknown as { weight: unknown }).weight = tensor([
      [1, 2],
      [3, 4],
    ]);
    assert.throws(
      () => lin.parameters(),
      /Linear\.weight is a parameter: assign a Parameter or null, not a plain Tensor/,
    );
    assert.throws(() => lin.stateDict(), StateError);
  });

  it('explicit register* calls still work, buffers follow assignments, names cannot clash', () => {
    class Stats extends nn.Module {
      fc = new nn.Linear(2, 2);
      mean: Tensor;
      constructor() {
        super();
        this.mean = this.registerBuffer('mean', tensor([0, 0]));
        this.registerParameter('gain', new nn.Parameter(tensor([1])));
      }
      forward(x: Tensor): Tensor {
        return this.fc.forward(x.sub(this.mean));
      }
    }
    const s = new Stats();
    assert.deepEqual(Object.keys(s.stateDict()), ['gain', 'mean', 'fc.weight', 'fc.bias']);
    s.mean = tensor([5, 5]);
    assert.deepEqual(s.stateDict().mean.tolist(), [5, 5]);
    assert.deepEqual(s.getBuffer('mean')!.tolist(), [5, 5]);
    assert.throws(() => s.registerParameter('fc', new nn.Parameter(tensor([1]))), /already has a field named 'fc'/);
    assert.throws(() => s.registerBuffer('gain', tensor([1])), /already has a member named 'gain'/);
  });

  it('forward takes and returns any values, typed through Module<In, Out>', () => {
    class Split extends nn.Module<
      [x: Tensor, parts: number, options?: { scale?: number }],
      { head: Tensor; rest: Tensor[] }
    > {
      forward(x: Tensor, parts: number, options: { scale?: number } = {}) {
        const [head, ...rest] = x.mul(options.scale ?? 1).chunk(parts, 0);
        return { head, rest };
      }
    }
    const { head, rest } = new Split().forward(tensor([1, 2, 3, 4]), 2, { scale: 10 });
    assert.deepEqual([head.tolist(), rest.map((r) => r.tolist())], [[10, 20], [[30, 40]]]);
  });

  it('an optimizer given no parameters says why and what usually causes it', () => {
    class Empty extends nn.Module {
      w = tensor([1, 2]).requiresGrad_();
      forward(x: Tensor): Tensor {
        return x.mul(this.w);
      }
    }
    assert.throws(
      () => new optim.SGD(new Empty().parameters(), { lr: 0.1 }),
      /empty parameter list .*a plain Tensor field is not one \(wrap it: new nn\.Parameter\(t\)\)/,
    );
  });
});

describe('modules print as PyTorch does (console.log, String)', () => {
  const reprs = JSON.parse(readFileSync(new URL('../fixtures/sequences.json', import.meta.url), 'utf8'))
    .reprs as Record<string, string>;
  /** torch's repr in nabla's spelling: camelCase option names, JS booleans, shapes as lists. */
  const nablaSpelling = (text: string): string =>
    text
      .replace(
        /([a-z]+(?:_[a-z]+)+)=/g,
        (_, name: string) => `${name.replace(/_([a-z])/g, (__, c: string) => c.toUpperCase())}=`,
      )
      .replace(/=\(([^()]*)\)/g, '=[$1]')
      .replace(/\bTrue\b/g, 'true')
      .replace(/\bFalse\b/g, 'false');
  const built: Record<string, () => nn.Module> = {
    linear: () => new nn.Linear(3, 4),
    linearNoBias: () => new nn.Linear(3, 4, { bias: false }),
    sequential: () =>
      new nn.Sequential(
        new nn.Linear(2, 8),
        new nn.ReLU(),
        new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh()),
        new nn.Linear(8, 1),
      ),
    conv2d: () => new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 }),
    maxPool2d: () => new nn.MaxPool2d(2),
    flatten: () => new nn.Flatten(),
    embedding: () => new nn.Embedding(10, 3, { paddingIdx: 0 }),
    embeddingBag: () => new nn.EmbeddingBag(10, 3, { mode: 'max' }),
    lstm: () => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }),
    gru: () => new nn.GRU(6, 5, { batchFirst: true }),
    moduleList: () => new nn.ModuleList([new nn.Linear(2, 2), new nn.Sigmoid()]),
    moduleDict: () => new nn.ModuleDict({ cls: new nn.Linear(8, 3), act: new nn.GELU() }),
    leakyReLU: () => new nn.LeakyReLU(0.2),
    softmax: () => new nn.Softmax(1),
  };
  for (const [name, make] of Object.entries(built)) {
    it(`${name}: util.inspect and String match torch's repr`, () => {
      const m = make();
      assert.equal(inspect(m), nablaSpelling(reprs[name]));
      assert.equal(String(m), inspect(m));
    });
  }

  it('a custom module: extra text on its own line when it has children, fields listed in order', () => {
    class Head extends nn.Module {
      proj = new nn.Linear(4, 2);
      scale = new nn.Parameter(tensor([1]));
      override extraRepr(): string {
        return 'temperature=0.5';
      }
      forward(x: Tensor): Tensor {
        return this.proj.forward(x).mul(this.scale);
      }
    }
    assert.equal(
      inspect({ head: new Head() }, { depth: 0 }).replace(/\s+/g, ' '),
      '{ head: Head( temperature=0.5 (proj): Linear(inFeatures=4, outFeatures=2, bias=true) ) }',
    );
  });
});

describe('member names', () => {
  it("any name is free for a member (ModuleDict keys like 'items', a parameter named 'params')", () => {
    const d = new nn.ModuleDict({ items: new nn.Linear(2, 2), keys: new nn.ReLU() });
    assert.deepEqual(Object.keys(d.stateDict()), ['items.weight', 'items.bias']);
    assert.equal(d.get('items').constructor.name, 'Linear');
    class P extends nn.Module {
      constructor() {
        super();
        this.registerParameter('params', new nn.Parameter(tensor([1])));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    assert.deepEqual(Object.keys(new P().stateDict()), ['params']);
  });
});
