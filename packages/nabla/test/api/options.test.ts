/**
 * Every public function and constructor that takes an options object refuses a misspelled key
 * with an OptionError that names the key, the function and the nearest valid key, instead of
 * silently using the default (`DataLoader {batch_size}` → batches of 1, `Conv2d {paddding}` → a
 * different output shape, `CosineAnnealingLR {tMax}` → NaN learning rates). Each row: the name
 * the error uses, a real key to misspell, and the call taking the options (required options are
 * given correctly so the misspelling is the only fault).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as nb from '../../src/index.js';
import {
  DataLoader,
  EarlyStopping,
  Checkpoint,
  MnistDataset,
  OptionError,
  TensorDataset,
  evaluate,
  fit,
  fitAsync,
  gradcheck,
  io,
  nn,
  optim,
  parseCsv,
  predict,
  randn,
  tensor,
  transforms,
  zeros,
  type Tensor,
} from '../../src/index.js';
import { readCsvFile, loadMnist, loadFashionMnist, ImageFolder } from '../../src/node.js';
import { lenet5, ResNet, resnet18, resnetCifar, resnet8, resnet20 } from '../../src/models/index.js';

const F = nn.functional;
/** What a row's call is given: the misspelled key (typed as no key at all, so any options type takes it). */
type Options = Record<string, never>;

const x4 = () => randn([1, 2, 6, 6]);
const params = () => [zeros([2], { requiresGrad: true })];
const sgd = () => new optim.SGD(params(), { lr: 0.1 });
const i32 = (a: number[]) => tensor(a, { dtype: 'int32' });
const idx = { dtype: 'uint8' as const, shape: [2, 2, 2], data: new Uint8Array(8) };
const idxLabels = { dtype: 'uint8' as const, shape: [2], data: new Uint8Array(2) };
const noop = (): void => undefined;

/** [owner as the error names it, a valid key of its options, the call]. */
const ENTRY_POINTS: [string, string, (o: Options) => unknown][] = [
  // creation
  ['tensor()', 'dtype', (o) => tensor([1], o)],
  ['zeros', 'requiresGrad', (o) => zeros([2], o)],
  ['ones', 'dtype', (o) => nb.ones([2], o)],
  ['empty', 'dtype', (o) => nb.empty([2], o)],
  ['full', 'dtype', (o) => nb.full([2], 1, o)],
  ['arange', 'dtype', (o) => nb.arange(0, 3, 1, o)],
  ['linspace', 'dtype', (o) => nb.linspace(0, 1, 3, o)],
  ['eye', 'dtype', (o) => nb.eye(2, 2, o)],
  ['rand', 'generator', (o) => nb.rand([2], o)],
  ['randn', 'generator', (o) => randn([2], o)],
  ['randn', 'generator', (o) => randn(2, 3, o)],
  ['randint', 'generator', (o) => nb.randint(0, 3, [2], o)],
  ['randperm', 'generator', (o) => nb.randperm(3, o)],
  ['zerosLike', 'dtype', (o) => nb.zerosLike(zeros([2]), o)],
  ['onesLike', 'dtype', (o) => nb.onesLike(zeros([2]), o)],
  ['emptyLike', 'dtype', (o) => nb.emptyLike(zeros([2]), o)],
  ['fullLike', 'dtype', (o) => nb.fullLike(zeros([2]), 1, o)],
  ['randLike', 'generator', (o) => nb.randLike(zeros([2]), o)],
  ['randnLike', 'generator', (o) => nb.randnLike(zeros([2]), o)],
  ['logspace', 'dtype', (o) => nb.logspace(0, 1, 3, 10, o)],
  ['normal', 'generator', (o) => nb.normal(0, 1, [2], o)],
  // ops and tensor methods
  ['nanToNum', 'posinf', (o) => nb.nanToNum(zeros([2]), o)],
  ['isclose', 'atol', (o) => nb.isclose(zeros([2]), zeros([2]), o)],
  ['isclose', 'atol', (o) => zeros([2]).allclose(zeros([2]), o)],
  ['unique', 'returnCounts', (o) => nb.unique(zeros([2]), o)],
  ['div', 'roundingMode', (o) => zeros([2]).div(1, o)],
  ['var', 'correction', (o) => zeros([2]).var(0, o)],
  ['var', 'keepdim', (o) => zeros([2]).std(0, o)],
  // nn.functional
  ['conv2d', 'padding', (o) => F.conv2d(x4(), randn([3, 2, 3, 3]), null, o)],
  ['conv1d', 'padding', (o) => F.conv1d(randn([1, 2, 6]), randn([3, 2, 3]), null, o)],
  ['convTranspose2d', 'outputPadding', (o) => F.convTranspose2d(x4(), randn([2, 3, 3, 3]), null, o)],
  ['maxPool2d', 'ceilMode', (o) => F.maxPool2d(x4(), 2, o)],
  ['avgPool2d', 'countIncludePad', (o) => F.avgPool2d(x4(), 2, o)],
  ['maxPool1d', 'ceilMode', (o) => F.maxPool1d(randn([1, 2, 6]), 2, o)],
  ['avgPool1d', 'countIncludePad', (o) => F.avgPool1d(randn([1, 2, 6]), 2, o)],
  ['batchNorm', 'momentum', (o) => F.batchNorm(x4(), null, null, { training: true, ...o })],
  ['layerNorm', 'eps', (o) => F.layerNorm(x4(), [6], o)],
  ['groupNorm', 'eps', (o) => F.groupNorm(x4(), 2, o)],
  ['interpolate', 'scaleFactor', (o) => F.interpolate(x4(), { size: 3, ...o })],
  ['gelu', 'approximate', (o) => F.gelu(zeros([2]), o)],
  ['mseLoss', 'reduction', (o) => F.mseLoss(zeros([2]), zeros([2]), o)],
  ['l1Loss', 'reduction', (o) => F.l1Loss(zeros([2]), zeros([2]), o)],
  ['smoothL1Loss', 'beta', (o) => F.smoothL1Loss(zeros([2]), zeros([2]), o)],
  ['huberLoss', 'delta', (o) => F.huberLoss(zeros([2]), zeros([2]), o)],
  ['binaryCrossEntropy', 'weight', (o) => F.binaryCrossEntropy(zeros([2]), zeros([2]), o)],
  ['binaryCrossEntropyWithLogits', 'posWeight', (o) => F.binaryCrossEntropyWithLogits(zeros([2]), zeros([2]), o)],
  ['klDiv', 'logTarget', (o) => F.klDiv(zeros([2]), zeros([2]), o)],
  ['nllLoss', 'ignoreIndex', (o) => F.nllLoss(zeros([2, 3]), i32([0, 1]), o)],
  ['crossEntropy', 'labelSmoothing', (o) => F.crossEntropy(zeros([2, 3]), i32([0, 1]), o)],
  ['kaimingUniform_', 'nonlinearity', (o) => nn.init.kaimingUniform_(zeros([2, 2]), o)],
  ['kaimingNormal_', 'nonlinearity', (o) => nn.init.kaimingNormal_(zeros([2, 2]), o)],
  // nn layers
  ['Linear', 'bias', (o) => new nn.Linear(2, 3, o)],
  ['Conv2d', 'padding', (o) => new nn.Conv2d(2, 3, 3, o)],
  ['Conv1d', 'padding', (o) => new nn.Conv1d(2, 3, 3, o)],
  ['ConvTranspose2d', 'outputPadding', (o) => new nn.ConvTranspose2d(2, 3, 3, o)],
  ['MaxPool2d', 'ceilMode', (o) => new nn.MaxPool2d(2, o)],
  ['AvgPool2d', 'countIncludePad', (o) => new nn.AvgPool2d(2, o)],
  ['MaxPool1d', 'ceilMode', (o) => new nn.MaxPool1d(2, o)],
  ['AvgPool1d', 'countIncludePad', (o) => new nn.AvgPool1d(2, o)],
  ['BatchNorm1d', 'trackRunningStats', (o) => new nn.BatchNorm1d(2, o)],
  ['BatchNorm2d', 'trackRunningStats', (o) => new nn.BatchNorm2d(2, o)],
  ['LayerNorm', 'elementwiseAffine', (o) => new nn.LayerNorm(2, o)],
  ['GroupNorm', 'affine', (o) => new nn.GroupNorm(1, 2, o)],
  ['Dropout', 'generator', (o) => new nn.Dropout(0.5, o)],
  ['GELU', 'approximate', (o) => new nn.GELU(o)],
  ['Upsample', 'scaleFactor', (o) => new nn.Upsample({ size: 2, ...o })],
  ['Embedding', 'paddingIdx', (o) => new nn.Embedding(4, 2, o)],
  ['EmbeddingBag', 'includeLastOffset', (o) => new nn.EmbeddingBag(4, 2, o)],
  ['RNN', 'batchFirst', (o) => new nn.RNN(2, 3, o)],
  ['RNN', 'nonlinearity', (o) => new nn.RNN(2, 3, o)],
  ['GRU', 'numLayers', (o) => new nn.GRU(2, 3, o)],
  ['LSTM', 'bidirectional', (o) => new nn.LSTM(2, 3, o)],
  ['MultiheadAttention', 'batchFirst', (o) => new nn.MultiheadAttention(4, 2, o)],
  ['TransformerEncoderLayer', 'dimFeedforward', (o) => new nn.TransformerEncoderLayer(4, 2, o)],
  ['MSELoss', 'reduction', (o) => new nn.MSELoss(o)],
  ['L1Loss', 'reduction', (o) => new nn.L1Loss(o)],
  ['SmoothL1Loss', 'beta', (o) => new nn.SmoothL1Loss(o)],
  ['HuberLoss', 'delta', (o) => new nn.HuberLoss(o)],
  ['NLLLoss', 'ignoreIndex', (o) => new nn.NLLLoss(o)],
  ['CrossEntropyLoss', 'labelSmoothing', (o) => new nn.CrossEntropyLoss(o)],
  ['BCELoss', 'weight', (o) => new nn.BCELoss(o)],
  ['BCEWithLogitsLoss', 'posWeight', (o) => new nn.BCEWithLogitsLoss(o)],
  ['KLDivLoss', 'logTarget', (o) => new nn.KLDivLoss(o)],
  // sequences
  ['padSequence', 'batchFirst', (o) => nn.padSequence([zeros([2])], o)],
  ['packSequence', 'enforceSorted', (o) => nn.packSequence([zeros([2])], o)],
  ['packPaddedSequence', 'enforceSorted', (o) => nn.packPaddedSequence(zeros([2, 1]), [2], o)],
  // optimizers, parameter groups, schedulers
  ['SGD', 'momentum', (o) => new optim.SGD(params(), { lr: 0.1, ...o })],
  ['SGD parameter group', 'momentum', (o) => new optim.SGD([{ params: params(), ...o }], { lr: 0.1 })],
  ['Adam', 'weightDecay', (o) => new optim.Adam(params(), o)],
  ['Adam parameter group', 'weightDecay', (o) => new optim.Adam([{ params: params(), ...o }])],
  ['AdamW', 'amsgrad', (o) => new optim.AdamW(params(), o)],
  ['RMSprop', 'centered', (o) => new optim.RMSprop(params(), o)],
  ['Adagrad', 'lrDecay', (o) => new optim.Adagrad(params(), o)],
  ['Adadelta', 'weightDecay', (o) => new optim.Adadelta(params(), o)],
  ['stateDict', 'arrays', (o) => sgd().stateDict(o)],
  ['StepLR', 'gamma', (o) => new optim.StepLR(sgd(), { stepSize: 2, ...o })],
  ['MultiStepLR', 'gamma', (o) => new optim.MultiStepLR(sgd(), { milestones: [2], ...o })],
  ['ConstantLR', 'totalIters', (o) => new optim.ConstantLR(sgd(), o)],
  ['LinearLR', 'startFactor', (o) => new optim.LinearLR(sgd(), o)],
  ['ExponentialLR', 'lastEpoch', (o) => new optim.ExponentialLR(sgd(), { gamma: 0.9, ...o })],
  ['CosineAnnealingLR', 'TMax', (o) => new optim.CosineAnnealingLR(sgd(), o as never)],
  ['LambdaLR', 'lrLambda', (o) => new optim.LambdaLR(sgd(), o as never)],
  ['MultiplicativeLR', 'lastEpoch', (o) => new optim.MultiplicativeLR(sgd(), { lrLambda: () => 1, ...o })],
  ['PolynomialLR', 'totalIters', (o) => new optim.PolynomialLR(sgd(), o)],
  ['CosineAnnealingWarmRestarts', 'etaMin', (o) => new optim.CosineAnnealingWarmRestarts(sgd(), { T0: 2, ...o })],
  ['OneCycleLR', 'totalSteps', (o) => new optim.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, ...o })],
  ['ReduceLROnPlateau', 'patience', (o) => new optim.ReduceLROnPlateau(sgd(), o)],
  [
    'SequentialLR',
    'lastEpoch',
    (o) => {
      const opt = sgd();
      const schedulers = [new optim.ConstantLR(opt), new optim.ExponentialLR(opt, { gamma: 0.9 })];
      return new optim.SequentialLR(opt, { schedulers, milestones: [2], ...o });
    },
  ],
  // data
  ['DataLoader', 'batchSize', (o) => new DataLoader(new TensorDataset(zeros([2])), o)],
  ['parseCsv', 'delimiter', (o) => parseCsv('a,b\n1,2\n', o)],
  ['MnistDataset', 'transform', (o) => new MnistDataset(idx, idxLabels, o)],
  ['randomCrop', 'padding', (o) => transforms.randomCrop(2, o)],
  ['randomHorizontalFlip', 'generator', (o) => transforms.randomHorizontalFlip(0.5, o)],
  ['loadMnist', 'train', (o) => loadMnist('/nonexistent', o)],
  ['loadFashionMnist', 'train', (o) => loadFashionMnist(o)],
  ['ImageFolder.load', 'extensions', (o) => ImageFolder.load('/nonexistent', o)],
  // training
  ['fit', 'batchSize', (o) => fit(new nn.Linear(1, 1), [zeros([2, 1]), zeros([2, 1])], { ...fitBase(), ...o })],
  ['evaluate', 'batchSize', (o) => evaluate(new nn.Linear(1, 1), [zeros([2, 1]), zeros([2, 1])], o)],
  ['predict', 'batchSize', (o) => predict(new nn.Linear(1, 1), zeros([2, 1]), o)],
  ['EarlyStopping', 'patience', (o) => new EarlyStopping(o)],
  ['Checkpoint', 'every', (o) => new Checkpoint(noop, o)],
  ['gradcheck', 'atol', (o) => gradcheck((t) => t.sum(), [zeros([1], { dtype: 'float64', requiresGrad: true })], o)],
  // models
  ['lenet5', 'numClasses', (o) => lenet5(o)],
  ['resnet18', 'numClasses', (o) => resnet18(o)],
  ['resnet20', 'inChannels', (o) => resnet20(o)],
  ['resnet8', 'inChannels', (o) => resnet8(o)],
  ['resnet14', 'inChannels', (o) => resnetCifar(14, o)],
  ['ResNet', 'numClasses', (o) => new ResNet({ layers: [1], widths: [4], stem: 'cifar', ...o })],
  // io
  ['exportOnnx', 'inputShape', (o) => io.exportOnnx(new nn.Linear(2, 1), { inputShape: [2], ...o })],
  ['toPyTorch', 'title', (o) => io.toPyTorch(new nn.Sequential(new nn.Linear(2, 1)), o)],
  ['registerModuleClass', 'build', (o) => io.registerModuleClass(nn.ReLU, o)],
];

function fitBase(): { loss: (a: Tensor, b: Tensor) => Tensor; optimizer: optim.SGD } {
  return { loss: F.mseLoss, optimizer: new optim.SGD(params(), { lr: 0.1 }) };
}

/** A misspelling of `key` the nearest-name search must map back: snake_case, or a doubled letter. */
function misspell(key: string): string {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (snake !== key) return snake;
  const i = Math.floor(key.length / 2);
  return key.slice(0, i) + key[i] + key.slice(i);
}

describe('every entry point with options refuses a misspelled key', () => {
  for (const [owner, key, call] of ENTRY_POINTS) {
    const bad = misspell(key);
    it(`${owner} {${bad}}`, () => {
      assert.throws(
        () => call({ [bad]: 1 } as Options),
        (e: unknown) => {
          assert.ok(e instanceof OptionError, `${owner}: ${String(e)}`);
          assert.equal(e.message, `unknown option '${bad}' for ${owner}; did you mean '${key}'?`);
          return true;
        },
      );
    });
  }

  it('async entry points too (fitAsync, readCsvFile)', async () => {
    const model = new nn.Linear(1, 1);
    await assert.rejects(
      fitAsync(model, [zeros([2, 1]), zeros([2, 1])], { ...fitBase(), yield_ms: 0 } as never),
      /unknown option 'yield_ms' for fitAsync; did you mean 'yieldMs'\?/,
    );
    await assert.rejects(readCsvFile('/nonexistent.csv', { targetTyp: 'auto' } as never), /did you mean 'targetType'/);
  });

  it("the issue's cases: DataLoader {batch_size}, Conv2d {paddding}, CosineAnnealingLR {tMax}", () => {
    const ds = new TensorDataset(zeros([4, 1]));
    assert.throws(
      () => new DataLoader(ds, { batch_size: 2 } as never),
      /^OptionError: unknown option 'batch_size' for DataLoader; did you mean 'batchSize'\?$/,
    );
    assert.throws(() => new nn.Conv2d(1, 1, 3, { paddding: 1 } as never), /did you mean 'padding'/);
    assert.throws(() => new optim.CosineAnnealingLR(sgd(), { tMax: 10 } as never), /did you mean 'TMax'/);
  });
});

describe('required options and values that would become NaN', () => {
  const required: [string, () => unknown, RegExp][] = [
    ['CosineAnnealingLR without TMax', () => new optim.CosineAnnealingLR(sgd(), {} as never), /'TMax' is required/],
    ['CosineAnnealingLR TMax 0', () => new optim.CosineAnnealingLR(sgd(), { TMax: 0 }), /TMax must be positive/],
    [
      'CosineAnnealingLR etaMin NaN',
      () => new optim.CosineAnnealingLR(sgd(), { TMax: 2, etaMin: Number.NaN }),
      /etaMin/,
    ],
    ['ExponentialLR without gamma', () => new optim.ExponentialLR(sgd(), {} as never), /'gamma' is required/],
    [
      'ExponentialLR gamma as a string',
      () => new optim.ExponentialLR(sgd(), { gamma: '0.9' as never }),
      /finite number/,
    ],
    ['MultiStepLR without milestones', () => new optim.MultiStepLR(sgd(), {} as never), /'milestones' is required/],
    ['LambdaLR without lrLambda', () => new optim.LambdaLR(sgd(), {} as never), /'lrLambda' is required/],
    ['MultiplicativeLR without lrLambda', () => new optim.MultiplicativeLR(sgd(), {} as never), /'lrLambda'/],
    ['OneCycleLR without maxLr', () => new optim.OneCycleLR(sgd(), { totalSteps: 5 } as never), /'maxLr' is required/],
    ['SequentialLR without schedulers', () => new optim.SequentialLR(sgd(), {} as never), /'schedulers' is required/],
    ['fit without a loss', () => fit(new nn.Linear(1, 1), [zeros([1, 1])], { optimizer: sgd() } as never), /'loss'/],
    ['ResNet without layers', () => new ResNet({ widths: [4], stem: 'cifar' } as never), /'layers' is required/],
  ];
  for (const [what, call, pattern] of required) {
    it(what, () => assert.throws(call, (e: unknown) => e instanceof OptionError && pattern.test(e.message)));
  }

  it('a CosineAnnealingLR built right gives finite learning rates', () => {
    const opt = sgd();
    const sched = new optim.CosineAnnealingLR(opt, { TMax: 4 });
    for (let i = 0; i < 6; i++) {
      sched.step();
      assert.ok(Number.isFinite(opt.paramGroups[0].lr));
    }
  });
});

describe('TypeScript points at the misspelled option', () => {
  it('SGD: the compile error is on the key, not on an overload of the call (checked by tsc)', () => {
    // With one constructor signature the excess-property error sits on `momentun` itself; the
    // expect-error directive below would be unused (a tsc error) if it were reported at the call.
    assert.throws(
      () =>
        new optim.SGD(params(), {
          lr: 0.1,
          // @ts-expect-error misspelled on purpose
          momentun: 0.9,
        }),
      /unknown option 'momentun' for SGD; did you mean 'momentum'\?/,
    );
  });

  it('randn(3, {...}): options after the sizes, as PyTorch keyword arguments', () => {
    assert.equal(randn(3, { dtype: 'float64' }).dtype, 'float64');
  });
});
