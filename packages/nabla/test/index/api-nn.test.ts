/**
 * What a script ported from PyTorch relies on beyond tensor ops (test/fixtures/api-nn.json from
 * scripts/fixtures/gen_api_nn.py): state-dict keys/shapes/buffers of fresh layers, init bounds,
 * loss modules with their defaults, optimizer defaults over three steps, scheduler
 * getLastLr(), clipGradNorm's returned norm, DataLoader batch counts and randomSplit lengths.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  DataLoader,
  Generator,
  Tensor,
  TensorDataset,
  arange,
  manualSeed,
  nn,
  optim,
  randomSplit,
  tensor,
  zeros,
  type DType,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

interface Enc {
  dtype: DType;
  shape: number[];
  data: number[];
}
const dec = (e: Enc): Tensor => tensor(e.data, { dtype: e.dtype }).reshape(e.shape);
const fx = JSON.parse(readFileSync(new URL('../fixtures/api-nn.json', import.meta.url), 'utf8'));

const LAYERS: Record<string, () => nn.Module> = {
  linear: () => new nn.Linear(3, 2),
  linearNoBias: () => new nn.Linear(3, 2, { bias: false }),
  conv1d: () => new nn.Conv1d(2, 4, 3),
  conv2d: () => new nn.Conv2d(3, 8, [3, 5], { bias: false }),
  batchNorm1d: () => new nn.BatchNorm1d(4),
  batchNorm2d: () => new nn.BatchNorm2d(3, { affine: false }),
  layerNorm: () => new nn.LayerNorm([2, 3]),
  layerNormNoAffine: () => new nn.LayerNorm(5, { elementwiseAffine: false }),
  sequential: () =>
    new nn.Sequential(
      new nn.Linear(4, 3),
      new nn.ReLU(),
      new nn.Sequential(new nn.Linear(3, 3), new nn.Tanh()),
      new nn.Linear(3, 1),
    ),
  moduleList: () => new nn.ModuleList([new nn.Linear(2, 2), new nn.BatchNorm1d(2)]),
  embedding: () => new nn.Embedding(10, 4, { paddingIdx: 0 }),
  prelu: () => new nn.PReLU(3),
  moduleDict: () =>
    new nn.ModuleDict({
      enc: new nn.Linear(3, 2),
      norm: new nn.BatchNorm1d(2),
      head: new nn.Sequential(new nn.ReLU(), new nn.Linear(2, 1)),
    }),
};

test('fresh layers have PyTorch state-dict keys, shapes, parameters and buffers', () => {
  for (const [name, ref] of Object.entries(fx.nn.modules) as [
    string,
    { keys: string[]; shapes: number[][]; params: string[]; buffers: Record<string, Enc> },
  ][]) {
    const m = LAYERS[name]();
    const sd = m.stateDict();
    assert.deepEqual(Object.keys(sd), ref.keys, `${name} keys`);
    assert.deepEqual(
      Object.values(sd).map((t) => [...t.shape]),
      ref.shapes,
      `${name} shapes`,
    );
    assert.deepEqual(
      [...m.namedParameters()].map(([k]) => k),
      ref.params,
      `${name} parameters`,
    );
    for (const [k, e] of Object.entries(ref.buffers)) assertClose(sd[k], dec(e), { message: `${name}.${k}` });
  }
});

test('default init stays inside PyTorch bounds (±1/√fan_in) with the uniform std', () => {
  manualSeed(0);
  const layers: Record<string, nn.Module & { weight: Tensor; bias: Tensor | null }> = {
    linear: new nn.Linear(400, 300),
    conv2d: new nn.Conv2d(16, 32, 3),
    conv1d: new nn.Conv1d(8, 16, 5),
  };
  for (const [name, ref] of Object.entries(fx.nn.initBounds) as [string, { bound: number; std: number }][]) {
    const { weight, bias } = layers[name];
    const w = weight.abs().max().item();
    assert.ok(w <= ref.bound && w > 0.95 * ref.bound, `${name} weight max |w| ${w} vs bound ${ref.bound}`);
    // U(±b) has std b/√3; allow 4 standard errors of a sample std (≈ std·√(1/2n)).
    const expected = ref.bound / Math.sqrt(3);
    const tol = (4 * expected) / Math.sqrt(2 * weight.numel());
    assert.ok(
      Math.abs(weight.std().item() - expected) < tol,
      `${name} weight std ${weight.std().item()} vs ${expected} (PyTorch sample: ${ref.std})`,
    );
    assert.ok(bias!.abs().max().item() <= ref.bound, `${name} bias within bound`);
  }
});

test("nn.init functions give PyTorch's distributions (mean, std, range) and gains", () => {
  manualSeed(1);
  type InitFn = (t: Tensor, o: Record<string, number | string>) => Tensor;
  const I = nn.init;
  const INITS: Record<string, InitFn> = {
    xavierUniform_: (t, o) => I.xavierUniform_(t, (o.gain as number) ?? 1),
    xavierNormal_: (t, o) => I.xavierNormal_(t, (o.gain as number) ?? 1),
    kaimingUniform_: (t, o) => I.kaimingUniform_(t, o as nn.init.KaimingOptions),
    kaimingNormal_: (t, o) => I.kaimingNormal_(t, o as nn.init.KaimingOptions),
    uniform_: (t, o) => I.uniform_(t, o.a as number, o.b as number),
    normal_: (t, o) => I.normal_(t, o.mean as number, o.std as number),
  };
  for (const r of fx.nn.inits as {
    name: string;
    options: Record<string, number | string>;
    shape: number[];
    mean: number;
    std: number;
    min: number;
    max: number;
  }[]) {
    const t = INITS[r.name](zeros(r.shape), r.options);
    const what = `${r.name}(${JSON.stringify(r.options)}) on [${r.shape}]`;
    assert.ok(Math.abs(t.std().item() - r.std) < 0.03 * r.std, `${what}: std ${t.std().item()} vs PyTorch ${r.std}`);
    assert.ok(
      Math.abs(t.mean().item() - r.mean) < 0.03 * r.std + 1e-3 * Math.abs(r.mean),
      `${what}: mean ${t.mean().item()} vs PyTorch ${r.mean}`,
    );
    if (r.name.includes('niform')) {
      const span = r.max - r.min;
      assert.ok(
        t.min().item() >= r.min - 0.01 * span && t.max().item() <= r.max + 0.01 * span,
        `${what}: range [${t.min().item()}, ${t.max().item()}] vs [${r.min}, ${r.max}]`,
      );
    }
  }
  for (const [k, g] of Object.entries(fx.nn.gains as Record<string, number>)) {
    const [name, param] = k === 'leaky_relu_0.2' ? ['leaky_relu', 0.2] : [k, undefined];
    const gain = I.calculateGain(name as nn.init.Nonlinearity, param);
    assert.ok(
      Math.abs(gain - g) < 1e-12,
      `calculateGain(${name}${param === undefined ? '' : `, ${param}`}) = ${gain}, PyTorch ${g}`,
    );
  }
});

type LossCtor = new (o: Record<string, unknown>) => nn.Module & { forward(x: Tensor, t: Tensor): Tensor };
test('loss modules match PyTorch with default and explicit options (values and gradients)', () => {
  const L = nn as unknown as Record<string, LossCtor>;
  for (const c of fx.nn.losses as {
    name: string;
    options: Record<string, unknown>;
    inputs: Enc[];
    out: Enc;
    w: Enc;
    grad: Enc;
  }[]) {
    const opts = Object.fromEntries(
      Object.entries(c.options).map(([k, v]) => [k, typeof v === 'object' ? dec(v as Enc) : v]),
    );
    const x = dec(c.inputs[0]).requiresGrad_();
    const loss = new L[c.name](opts).forward(x, dec(c.inputs[1]));
    const what = `${c.name}(${JSON.stringify(c.options)}) on ${c.inputs.map((e) => `[${e.shape}]`).join(', ')}`;
    assertClose(loss, dec(c.out), { rtol: 1e-9, atol: 1e-12, message: what });
    loss.mul(dec(c.w)).sum().backward();
    assertClose(x.grad!, dec(c.grad), { rtol: 1e-9, atol: 1e-12, message: `${what} grad` });
  }
});

type OptCtor = new (p: Tensor[], o: Record<string, unknown>) => optim.Optimizer<optim.BaseHyper>;
test('optimizers with PyTorch defaults take the same three steps', () => {
  const O = optim as unknown as Record<string, OptCtor>;
  const { p0, c, k, runs } = fx.optim;
  for (const run of runs as { name: string; options: Record<string, unknown>; trajectory: Enc[] }[]) {
    const p = dec(p0).requiresGrad_();
    const opt = new O[run.name]([p], run.options);
    run.trajectory.forEach((expected, step) => {
      opt.zeroGrad();
      p.sub(dec(c)).square().mul(dec(k)).sum().backward();
      opt.step();
      assertClose(p, dec(expected), {
        rtol: 1e-5,
        atol: 1e-7,
        message: `${run.name}(${JSON.stringify(run.options)}) step ${step + 1}`,
      });
    });
  }
});

type SchedCtor = new (
  o: optim.Optimizer<optim.BaseHyper>,
  opts: Record<string, unknown>,
) => { step(): void; getLastLr(): number[] };
test('schedulers report the same getLastLr() as PyTorch over 8 epochs', () => {
  const S = optim as unknown as Record<string, SchedCtor>;
  // Schedulers built from other schedulers or a function, as the PyTorch side built them.
  const special: Record<string, (o: optim.SGD) => { step(): void; getLastLr(): number[] }> = {
    LambdaLR: (o) => new optim.LambdaLR(o, { lrLambda: (epoch) => 0.9 ** epoch }),
    SequentialLR: (o) =>
      new optim.SequentialLR(o, {
        schedulers: [
          new optim.LinearLR(o, { startFactor: 0.1, totalIters: 3 }),
          new optim.ExponentialLR(o, { gamma: 0.8 }),
        ],
        milestones: [3],
      }),
    ChainedScheduler: (o) =>
      new optim.ChainedScheduler([
        new optim.ConstantLR(o, { factor: 0.5, totalIters: 2 }),
        new optim.ExponentialLR(o, { gamma: 0.9 }),
      ]),
    MultiplicativeLR: (o) => new optim.MultiplicativeLR(o, { lrLambda: () => 0.95 }),
  };
  for (const s of fx.schedulers as {
    name: string;
    options: Record<string, unknown>;
    lrs: number[][];
    metrics?: number[];
    adam?: boolean;
    momentum?: number[];
  }[]) {
    if (s.momentum) {
      const p = zeros([1], { requiresGrad: true });
      const o = s.adam ? new optim.Adam([p]) : new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
      const sched = new optim.OneCycleLR(o, s.options as unknown as optim.OneCycleLROptions);
      const group = () => o.paramGroups[0] as { momentum?: number; betas?: readonly number[] };
      const lrs = [sched.getLastLr()];
      const moms = [s.adam ? group().betas![0] : group().momentum!];
      while (lrs.length < s.lrs.length) {
        o.step();
        sched.step();
        lrs.push(sched.getLastLr());
        moms.push(s.adam ? group().betas![0] : group().momentum!);
      }
      assertClose(lrs, s.lrs, { rtol: 1e-12, atol: 1e-15, message: `OneCycleLR(${JSON.stringify(s.options)}) lr` });
      assertClose(moms, s.momentum, {
        rtol: 1e-12,
        atol: 1e-15,
        message: `OneCycleLR(${JSON.stringify(s.options)}) momentum`,
      });
      continue;
    }
    const opt = new optim.SGD([zeros([1], { requiresGrad: true })], { lr: 0.1 });
    if (s.metrics) {
      const plateau = new optim.ReduceLROnPlateau(opt, s.options as optim.ReduceLROnPlateauOptions);
      const got = s.metrics.map((m) => {
        opt.step();
        plateau.step(m);
        return opt.paramGroups.map((g) => g.lr);
      });
      assertClose(got, s.lrs, { rtol: 1e-12, atol: 1e-15, message: `${s.name}(${JSON.stringify(s.options)})` });
      continue;
    }
    const sched = special[s.name]?.(opt) ?? new S[s.name](opt, s.options);
    const lrs = [sched.getLastLr()];
    for (let i = 0; i < 8; i++) {
      opt.step();
      sched.step();
      lrs.push(sched.getLastLr());
    }
    assertClose(lrs, s.lrs, { rtol: 1e-12, atol: 1e-15, message: `${s.name}(${JSON.stringify(s.options)})` });
  }
});

test('clipGradNorm returns the total norm and scales like PyTorch; clipGradValue clamps', () => {
  const { g, norm, value } = fx.clip;
  for (const c of norm as { maxNorm: number; normType: number | string; total: Enc; grads: Enc[] }[]) {
    const ps = [zeros([3, 2], { requiresGrad: true }), zeros([4], { requiresGrad: true })];
    ps.forEach((p, i) => (p.grad = dec(g[i])));
    const total = optim.clipGradNorm(ps, c.maxNorm, c.normType === 'inf' ? Infinity : (c.normType as number));
    assert.ok(total instanceof Tensor, 'clipGradNorm returns a tensor');
    assertClose(total, dec(c.total), { message: `total norm (${c.normType})` });
    ps.forEach((p, i) => assertClose(p.grad!, dec(c.grads[i]), { message: `clipped grad ${i} (${c.normType})` }));
  }
  const p = zeros([3, 2], { requiresGrad: true });
  p.grad = dec(g[0]);
  optim.clipGradValue([p], value.clip);
  assertClose(p.grad, dec(value.grad));
});

test('DataLoader batch counts (dropLast) and randomSplit lengths (fractions) match PyTorch', () => {
  for (const c of fx.data.loaders as {
    n: number;
    batchSize: number;
    dropLast: boolean;
    len: number;
    sizes: number[];
  }[]) {
    const dl = new DataLoader(new TensorDataset(arange(c.n)), { batchSize: c.batchSize, dropLast: c.dropLast });
    assert.equal(dl.length, c.len, `len(DataLoader(n=${c.n}, batchSize=${c.batchSize}, dropLast=${c.dropLast}))`);
    assert.deepEqual(
      [...dl].map((b) => b[0].shape[0]),
      c.sizes,
    );
  }
  for (const s of fx.data.splits as { n: number; lengths: number[]; out: number[] }[]) {
    const parts = randomSplit(new TensorDataset(arange(s.n)), s.lengths, new Generator(1));
    assert.deepEqual(
      parts.map((p) => p.length),
      s.out,
      `randomSplit(${s.n}, ${JSON.stringify(s.lengths)})`,
    );
  }
});
