/**
 * Misuse of the public API fails loudly with a message that names the problem: both shapes,
 * the dtype found and expected, the dimension/index and its valid range, the missing or
 * unexpected state-dict keys, the bad hyper-parameter. Never a silent NaN or a wrong shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as nb from '../../src/index.js';
import {
  DataLoader,
  TensorDataset,
  arange,
  cat,
  einsum,
  nn,
  optim,
  randomSplit,
  stack,
  tensor,
  where,
  zeros,
  type Tensor,
} from '../../src/index.js';

const i32 = (a: number[]): Tensor => tensor(a, { dtype: 'int32' });
const F = nn.functional;

/** Each case: what is misused, the call, and patterns its message must contain (all of them). */
const CASES: [string, () => unknown, RegExp[]][] = [
  // shapes: both named
  ['broadcast', () => zeros([2, 3]).add(zeros([4, 3])), [/\[2, 3\]/, /\[4, 3\]/]],
  ['matmul inner sizes', () => zeros([2, 3]).matmul(zeros([4, 5])), [/\[2, 3\]/, /\[4, 5\]/]],
  ['matmul 1-D lengths', () => zeros([3]).matmul(zeros([4])), [/\[3\]/, /\[4\]/]],
  ['matmul batch dims', () => zeros([2, 2, 3]).matmul(zeros([3, 3, 4])), [/\[2, 2, 3\]/, /\[3, 3, 4\]/]],
  ['mm of a 3-D tensor', () => zeros([2, 2, 3]).mm(zeros([3, 4])), [/2-D/, /\[2, 2, 3\]/]],
  ['bmm batch sizes', () => zeros([2, 2, 3]).bmm(zeros([3, 3, 4])), [/\[2, 2, 3\]/, /\[3, 3, 4\]/]],
  ['dot lengths', () => zeros([3]).dot(zeros([4])), [/\[3\]/, /\[4\]/]],
  ['F.linear features', () => F.linear(zeros([2, 3]), zeros([4, 5])), [/\[2, 3\]/, /\[4, 5\]/]],
  ['Linear features', () => new nn.Linear(3, 4).forward(zeros([2, 5])), [/\[2, 5\]/, /\[4, 3\]/]],
  ['Conv2d channels', () => new nn.Conv2d(3, 4, 3).forward(zeros([1, 2, 8, 8])), [/3/, /\[1, 2, 8, 8\]/]],
  ['BatchNorm1d features', () => new nn.BatchNorm1d(4).forward(zeros([2, 3])), [/4/, /\[2, 3\]/]],
  ['LayerNorm shape', () => new nn.LayerNorm(4).forward(zeros([2, 3])), [/4/, /\[2, 3\]/]],
  ['reshape size', () => zeros([2, 3]).reshape(4, 2), [/\[4, 2\]/, /6/]],
  ['view of a non-contiguous tensor', () => zeros([2, 3]).t().view(6), [/\[3, 2\]/, /reshape/]],
  ['expand', () => zeros([2, 3]).expand(4, 3), [/\[2, 3\]/, /\[4, 3\]/]],
  ['cat shapes', () => cat([zeros([2, 3]), zeros([2, 4])], 0), [/\[2, 3\]/, /\[2, 4\]/]],
  ['stack shapes', () => stack([zeros([2, 3]), zeros([3, 2])]), [/\[2, 3\]/, /\[3, 2\]/]],
  ['mseLoss target shape', () => F.mseLoss(zeros([2]), zeros([3])), [/\[2\]/, /\[3\]/]],
  ['crossEntropy target shape', () => F.crossEntropy(zeros([2, 3]), i32([0, 1, 2])), [/\[2, 3\]/, /\[3\]/]],
  ['TensorDataset sizes', () => new TensorDataset(zeros([3]), zeros([4])), [/3/, /4/]],
  ['split sizes', () => zeros([5]).split([2, 2]), [/\[2, 2\]/, /5/]],
  // dtypes
  ['int tensor requiring grad', () => zeros([2], { dtype: 'int32', requiresGrad: true }), [/floating/, /int32/]],
  ['mean of int', () => zeros([2], { dtype: 'int32' }).mean(), [/floating/, /int32/]],
  ['float gather index', () => zeros([2, 3]).gather(1, zeros([2, 1])), [/int32/, /float32/]],
  ['float indexSelect index', () => zeros([2, 3]).indexSelect(0, tensor([0])), [/int32/, /float32/]],
  ['crossEntropy float class targets', () => F.crossEntropy(zeros([4, 3]), zeros([4])), [/int32/, /float32/]],
  ['maskedFill float mask', () => zeros([2]).maskedFill(zeros([2]), 1), [/bool/, /float32/]],
  ['norm of int', () => zeros([2], { dtype: 'int32' }).norm(), [/floating/, /int32/]],
  // dims and indices: value and valid range
  ['sum dim', () => zeros([2, 3]).sum(5), [/\[-2, 1\]/, /5/]],
  ['softmax dim', () => zeros([2, 3]).softmax(2), [/\[-2, 1\]/, /2/]],
  ['unsqueeze dim', () => zeros([2]).unsqueeze(3), [/\[-2, 1\]/, /3/]],
  ['cumsum dim', () => zeros([2]).cumsum(1), [/\[-1, 0\]/]],
  ['sort dim', () => zeros([2, 2]).sort(-3), [/\[-2, 1\]/, /-3/]],
  ['select index', () => zeros([2, 3]).select(1, 3), [/index 3/, /size 3/]],
  ['narrow range', () => zeros([2, 3]).narrow(1, 2, 2), [/2/, /size 3/]],
  ['gather index', () => zeros([2, 3]).gather(1, i32([5, 0]).reshape(2, 1)), [/index 5/, /size 3/]],
  ['indexSelect index', () => zeros([2, 3]).indexSelect(0, i32([2])), [/index 2/, /size 2/]],
  ['topk k', () => zeros([3]).topk(4), [/k \(4\)/, /size 3/]],
  ['chunk count', () => zeros([5]).chunk(0), [/chunks/, /0/]],
  ['permute repeats', () => zeros([2, 3]).permute(0, 0), [/repeated/]],
  ['crossEntropy class index', () => F.crossEntropy(zeros([2, 3]), i32([0, 3])), [/3/, /0\.\.2/]],
  ['nllLoss class index', () => F.nllLoss(zeros([2, 3]), i32([-1, 0])), [/-1/, /0\.\.2/]],
  ['item of many', () => zeros([2]).item(), [/2 elements/]],
  // autograd
  ['backward of a non-scalar', () => zeros([2], { requiresGrad: true }).mul(2).backward(), [/scalar/, /\[2\]/]],
  ['backward without grad', () => zeros([2]).sum().backward(), [/requires? ?grad/i]],
  [
    'backward gradient shape',
    () =>
      zeros([2], { requiresGrad: true })
        .mul(2)
        .backward(zeros([3])),
    [/\[3\]/, /\[2\]/],
  ],
  ['in-place on a leaf', () => zeros([2], { requiresGrad: true }).add_(1), [/leaf/, /noGrad/]],
  // modules and state dicts
  [
    'loadStateDict missing key',
    () => new nn.Linear(2, 2).loadStateDict({ weight: zeros([2, 2]) }),
    [/missing/, /bias/],
  ],
  [
    'loadStateDict unexpected key',
    () => {
      const m = new nn.Linear(2, 2);
      m.loadStateDict({ ...m.stateDict(), extra: zeros([1]) });
    },
    [/unexpected/, /extra/],
  ],
  [
    'loadStateDict shape',
    () => {
      const m = new nn.Linear(2, 2);
      m.loadStateDict({ ...m.stateDict(), weight: zeros([3, 2]) });
    },
    [/weight/, /\[3, 2\]/, /\[2, 2\]/],
  ],
  [
    'calculateGain of an unknown nonlinearity',
    () => nn.init.calculateGain('leakyRelu' as nn.init.Nonlinearity),
    [/unsupported nonlinearity/, /leakyRelu/],
  ],
  ['Linear sizes', () => new nn.Linear(-1, 2), [/inFeatures/, /-1/]],
  ['Dropout p', () => new nn.Dropout(1.5), [/probability/, /1\.5/]],
  [
    'reduction name',
    () => F.mseLoss(zeros([2]), zeros([2]), { reduction: 'avg' as 'mean' }),
    [/avg/, /'none', 'mean' or 'sum'/],
  ],
  [
    'binaryCrossEntropy probabilities',
    () => F.binaryCrossEntropy(tensor([1.5]), tensor([1])),
    [/between 0 and 1/, /1\.5/],
  ],
  // optimizers, schedulers, data
  ['optimizer without parameters', () => new optim.SGD([], { lr: 0.1 }), [/empty parameter list/]],
  [
    'SGD negative lr',
    () => new optim.SGD([zeros([1], { requiresGrad: true })], { lr: -0.1 }),
    [/learning rate/, /-0\.1/],
  ],
  ['SGD without lr', () => new optim.SGD([{ params: [zeros([1], { requiresGrad: true })] }]), [/lr/]],
  ['Adam negative lr', () => new optim.Adam([zeros([1], { requiresGrad: true })], { lr: -1 }), [/learning rate/, /-1/]],
  [
    'AdamW negative lr',
    () => new optim.AdamW([zeros([1], { requiresGrad: true })], { lr: -1 }),
    [/learning rate/, /-1/],
  ],
  [
    'RMSprop negative lr',
    () => new optim.RMSprop([zeros([1], { requiresGrad: true })], { lr: -1 }),
    [/learning rate/, /-1/],
  ],
  [
    'Adagrad negative lr',
    () => new optim.Adagrad([zeros([1], { requiresGrad: true })], { lr: -1 }),
    [/learning rate/, /-1/],
  ],
  ['Adam beta', () => new optim.Adam([zeros([1], { requiresGrad: true })], { betas: [1.5, 0.9] }), [/beta/, /1\.5/]],
  [
    'StepLR without stepSize',
    () => new optim.StepLR(new optim.SGD([zeros([1], { requiresGrad: true })], { lr: 0.1 }), { stepSize: 0 }),
    [/stepSize/],
  ],
  [
    'clipGradNorm of a non-finite norm',
    () => {
      const w = zeros([2], { requiresGrad: true });
      w.grad = tensor([NaN, 1]);
      optim.clipGradNorm([w], 1, 2, true);
    },
    [/non-finite/],
  ],
  ['DataLoader batch size', () => new DataLoader(new TensorDataset(arange(3)), { batchSize: 0 }), [/batchSize/, /0/]],
  ['randomSplit lengths', () => randomSplit(new TensorDataset(arange(3)), [0.5, 0.6]), [/\[0\.5, 0\.6\]/, /3/]],
  ['creation shape', () => zeros([-1]), [/\[-1\]/]],
  // the parity additions
  ['einsum operand count', () => einsum('ij,jk->ik', zeros([2, 3])), [/2 operand/, /1 tensor/]],
  ['einsum sizes', () => einsum('ij,jk->ik', zeros([2, 3]), zeros([4, 4])), [/'j'/, /\[4, 4\]/, /3/]],
  ['einsum subscripts vs rank', () => einsum('ijk->i', zeros([2, 3])), [/'ijk'/, /\[2, 3\]/]],
  ['scatter index', () => zeros([2, 3]).scatter(1, i32([3, 0]).reshape(1, 2), 1), [/index 3/, /size 3/]],
  ['oneHot numClasses', () => F.oneHot(i32([3]), 2), [/3/, /numClasses 2/]],
  ['pad reflect too wide', () => F.pad(zeros([1, 3]), [3, 0], 'reflect'), [/reflect/, /size 3/]],
  ['glu odd size', () => F.glu(zeros([2, 3])), [/even/, /\[2, 3\]/]],
  ['klDiv reduction', () => F.klDiv(zeros([2]), zeros([2]), { reduction: 'avg' as 'mean' }), [/avg/, /batchmean/]],
  ['Embedding paddingIdx', () => new nn.Embedding(4, 2, { paddingIdx: 4 }), [/paddingIdx 4/, /\[-4, 3\]/]],
  ['embedding float indices', () => F.embedding(zeros([2]), zeros([4, 2])), [/int32/, /float32/]],
  ['ModuleDict key', () => new nn.ModuleDict({ a: new nn.ReLU() }).get('b'), [/"b"/, /keys: a/]],
  [
    'Adadelta negative lr',
    () => new optim.Adadelta([zeros([1], { requiresGrad: true })], { lr: -1 }),
    [/learning rate/, /-1/],
  ],
  ['div roundingMode', () => zeros([2]).div(2, { roundingMode: 'round' as 'floor' }), [/roundingMode/, /round/]],
  [
    'multinomial without replacement',
    () => nb.multinomial(tensor([0, 0, 1]), 2),
    [/without replacement/, /3 categories|positive weight/],
  ],
  ['bernoulli probabilities', () => nb.bernoulli(tensor([0.5, 1.5])), [/\[0, 1\]/, /1\.5/]],
  ['prelu channels', () => F.prelu(zeros([2, 3]), zeros([4])), [/4/, /\[2, 3\]/]],
  ['ragged nested array', () => tensor([[1, 2], [3]] as unknown as number[][]), [/ragged/]],
];

for (const [what, fn, patterns] of CASES) {
  test(`clear error: ${what}`, () => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof Error, `${what}: threw a non-Error ${String(e)}`);
      for (const p of patterns) assert.match(e.message, p, `${what}: message "${e.message}" should match ${p}`);
      return true;
    });
  });
}

test('invalid values are errors, not NaN results', () => {
  // Out-of-range class indices would otherwise gather garbage; PyTorch raises too.
  assert.throws(() => F.crossEntropy(tensor([[0.5, 0.5]]), i32([2])));
  // A condition tensor's shape must broadcast with both branches.
  assert.throws(() => where(tensor([true, false, true]), zeros([2]), zeros([2])), /\[3\]/);
});
