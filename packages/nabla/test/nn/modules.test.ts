/** nn activation/dropout/flatten/loss modules: behaviour, toString, and the errors users see. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, manualSeed, nn, ones, randn, tensor, zeros } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const F = nn.functional;

describe('module toString', () => {
  it('shows PyTorch-style reprs with camelCase option names', () => {
    const cases: [nn.Module, string][] = [
      [new nn.ReLU(), 'ReLU()'],
      [new nn.LeakyReLU(), 'LeakyReLU(negativeSlope=0.01)'],
      [new nn.GELU({ approximate: 'tanh' }), "GELU(approximate='tanh')"],
      [new nn.ELU(), 'ELU(alpha=1)'],
      [new nn.Softplus(), 'Softplus(beta=1, threshold=20)'],
      [new nn.Hardtanh(), 'Hardtanh(minVal=-1, maxVal=1)'],
      [new nn.Softmax(1), 'Softmax(dim=1)'],
      [new nn.LogSoftmax(-1), 'LogSoftmax(dim=-1)'],
      [new nn.Dropout(), 'Dropout(p=0.5)'],
      [new nn.Flatten(), 'Flatten(startDim=1, endDim=-1)'],
      [new nn.Identity(), 'Identity()'],
      [new nn.CrossEntropyLoss(), 'CrossEntropyLoss()'],
    ];
    for (const [m, text] of cases) assert.equal(m.toString(), text);
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 2), new nn.SiLU(), new nn.Dropout(0.1));
    assert.equal(
      model.toString(),
      'Sequential(\n  (0): Flatten(startDim=1, endDim=-1)\n  (1): Linear(inFeatures=4, outFeatures=2, bias=true)\n  (2): SiLU()\n  (3): Dropout(p=0.1)\n)',
    );
  });
});

describe('activation modules', () => {
  it('apply their functional forms with the stored options', () => {
    const x = randn([3, 4]);
    assertClose(new nn.LeakyReLU(0.3).forward(x), F.leakyRelu(x, 0.3));
    assertClose(new nn.GELU().forward(x), F.gelu(x));
    assertClose(new nn.ELU(2).forward(x), F.elu(x, 2));
    assertClose(new nn.Softplus(2, 3).forward(x), F.softplus(x, 2, 3));
    assertClose(new nn.ReLU6().forward(x.mul(5)), x.mul(5).clamp(0, 6));
    assertClose(new nn.Tanh().forward(x), x.tanh());
    assertClose(new nn.Sigmoid().forward(x), x.sigmoid());
  });

  it('Softmax without dim uses PyTorch legacy choice (1 for 2-D, 0 for 1-D and 3-D)', () => {
    const x2 = randn([2, 3]);
    const x3 = randn([2, 3, 4]);
    assertClose(new nn.Softmax().forward(x2), x2.softmax(1));
    assertClose(new nn.Softmax().forward(x3), x3.softmax(0));
    assertClose(new nn.LogSoftmax().forward(x2), x2.logSoftmax(1));
  });

  it('rejects bad options', () => {
    assert.throws(
      () => new nn.GELU({ approximate: 'fast' as 'tanh' }),
      /approximate must be 'none' or 'tanh', got 'fast'/,
    );
    assert.throws(() => new nn.Hardtanh(2, 1), /minVal \(2\) must not exceed maxVal \(1\)/);
  });
});

describe('Dropout', () => {
  it('drops about p of the elements, scales survivors by 1/(1-p), and is seeded', () => {
    const p = 0.3;
    const n = 20000;
    manualSeed(11);
    const y = new nn.Dropout(p).forward(ones([n]));
    const values = Array.from(y.toTypedArray());
    const zerosFrac = values.filter((v) => v === 0).length / n;
    // Binomial standard deviation is sqrt(p(1-p)/n) ≈ 0.0032; allow 4 sigma.
    assert.ok(Math.abs(zerosFrac - p) < 0.013, `fraction dropped ${zerosFrac}`);
    assert.ok(values.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6));
    assert.ok(Math.abs(y.mean().item() - 1) < 0.02, `mean ${y.mean().item()}`);
    manualSeed(11);
    assertClose(new nn.Dropout(p).forward(ones([n])), y, { rtol: 0, atol: 0 });
  });

  it('uses its own generator when given one', () => {
    const a = new nn.Dropout(0.5, { generator: new Generator(3) }).forward(ones([64]));
    const b = new nn.Dropout(0.5, { generator: new Generator(3) }).forward(ones([64]));
    assertClose(a, b, { rtol: 0, atol: 0 });
  });

  it('passes gradients through the kept elements only, scaled', () => {
    const x = randn([50], { requiresGrad: true });
    const y = F.dropout(x, 0.4);
    y.sum().backward();
    const mask = Array.from(y.toTypedArray(), (v) => (v === 0 ? 0 : 1 / 0.6));
    assertClose(x.grad!, mask, { rtol: 1e-6 });
  });

  it('is the identity in eval mode and for p = 0; p = 1 zeroes everything', () => {
    const x = randn([4, 5]);
    const drop = new nn.Dropout(0.9);
    assert.equal(drop.eval().forward(x), x);
    assert.equal(drop.train().training, true);
    assert.equal(F.dropout(x, 0.5, false), x);
    assertClose(F.dropout(x, 0), x);
    assertClose(F.dropout(x, 1), zeros([4, 5]));
  });

  it('rejects probabilities outside [0, 1]', () => {
    for (const p of [-0.1, 1.5, Number.NaN]) {
      assert.throws(() => new nn.Dropout(p), /dropout probability has to be between 0 and 1, but got/);
      assert.throws(() => F.dropout(ones([2]), p), /between 0 and 1/);
    }
  });
});

describe('Flatten and Identity', () => {
  it('flattens from startDim to endDim', () => {
    const x = zeros([2, 3, 4, 5]);
    assert.deepEqual([...new nn.Flatten().forward(x).shape], [2, 60]);
    assert.deepEqual([...new nn.Flatten(0, 1).forward(x).shape], [6, 4, 5]);
    assert.deepEqual([...new nn.Flatten(2).forward(x).shape], [2, 3, 20]);
    assert.deepEqual([...new nn.Flatten(1, -2).forward(x).shape], [2, 12, 5]);
  });

  it('Identity returns its input', () => {
    const x = randn([3]);
    assert.equal(new nn.Identity().forward(x), x);
  });

  it('functional linear is x·Wᵀ + b', () => {
    const x = tensor([[1, 2]]);
    const w = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    assertClose(F.linear(x, w, tensor([0, 0, 1])), [[1, 2, 4]]);
  });
});
