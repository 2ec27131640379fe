/** Loss modules and functional losses: module/functional agreement, edge cases, error messages. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nn, randn, tensor, type Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const F = nn.functional;
const int = (v: number[]): Tensor => tensor(v, { dtype: 'int32' });

describe('loss modules', () => {
  it('match the functional forms with the same options', () => {
    const x = randn([4, 3]);
    const t = randn([4, 3]);
    const labels = int([0, 2, 1, 2]);
    const w = tensor([0.5, 1, 2]);
    const pairs: [Tensor, Tensor][] = [
      [new nn.MSELoss().forward(x, t), F.mseLoss(x, t)],
      [new nn.L1Loss({ reduction: 'sum' }).forward(x, t), F.l1Loss(x, t, { reduction: 'sum' })],
      [new nn.SmoothL1Loss({ beta: 0.3 }).forward(x, t), F.smoothL1Loss(x, t, { beta: 0.3 })],
      [
        new nn.HuberLoss({ delta: 0.7, reduction: 'none' }).forward(x, t),
        F.huberLoss(x, t, { delta: 0.7, reduction: 'none' }),
      ],
      [
        new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, ignoreIndex: 1 }).forward(x, labels),
        F.crossEntropy(x, labels, { weight: w, labelSmoothing: 0.1, ignoreIndex: 1 }),
      ],
      [
        new nn.NLLLoss({ weight: w }).forward(x.logSoftmax(1), labels),
        F.nllLoss(x.logSoftmax(1), labels, { weight: w }),
      ],
      [
        new nn.BCELoss({ weight: w }).forward(x.sigmoid(), t.sigmoid()),
        F.binaryCrossEntropy(x.sigmoid(), t.sigmoid(), { weight: w }),
      ],
      [
        new nn.BCEWithLogitsLoss({ posWeight: w }).forward(x, t.sigmoid()),
        F.binaryCrossEntropyWithLogits(x, t.sigmoid(), { posWeight: w }),
      ],
    ];
    for (const [a, b] of pairs) assertClose(a, b);
  });

  it('keep class weights as buffers in the state dict, like PyTorch', () => {
    const w = tensor([1, 2, 3]);
    assert.deepEqual(Object.keys(new nn.CrossEntropyLoss({ weight: w }).stateDict()), ['weight']);
    assert.deepEqual(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: w }).stateDict()), ['posWeight']);
    assert.deepEqual(Object.keys(new nn.CrossEntropyLoss().stateDict()), []);
  });

  it('cast class and element weights to the input dtype', () => {
    const w64 = tensor([1, 2, 3], { dtype: 'float64' });
    assert.equal(F.crossEntropy(randn([2, 3]), int([0, 1]), { weight: w64, labelSmoothing: 0.1 }).dtype, 'float32');
    assert.equal(F.crossEntropy(randn([2, 3]), randn([2, 3]).softmax(1), { weight: w64 }).dtype, 'float32');
    assert.equal(
      F.binaryCrossEntropyWithLogits(randn([2, 3]), randn([2, 3]), { weight: w64, posWeight: w64 }).dtype,
      'float32',
    );
  });

  it('reject an unknown reduction', () => {
    assert.throws(() => new nn.MSELoss({ reduction: 'avg' as 'mean' }), /'avg' is not a valid value for reduction/);
    assert.throws(
      () => F.crossEntropy(randn([2, 3]), int([0, 1]), { reduction: 'avg' as 'mean' }),
      /'avg' is not a valid value/,
    );
  });
});

describe('crossEntropy semantics', () => {
  it('equals logSoftmax + nllLoss, and the hand-computed value', () => {
    const logits = tensor([
      [2, 0.5, -1],
      [0, 1, 3],
    ]);
    const labels = int([0, 2]);
    const expected =
      -(
        Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(0.5) + Math.exp(-1))) +
        Math.log(Math.exp(3) / (1 + Math.E + Math.exp(3)))
      ) / 2;
    assertClose(F.crossEntropy(logits, labels), [expected]);
    assertClose(F.crossEntropy(logits, labels), F.nllLoss(logits.logSoftmax(1), labels));
  });

  it('stays finite for huge logits (log-sum-exp form)', () => {
    const loss = F.crossEntropy(tensor([[1000, 0, -1000]]), int([1]));
    assertClose(loss, [1000], { rtol: 1e-6 });
    const bce = F.binaryCrossEntropyWithLogits(tensor([200, -200]), tensor([0, 1]), { reduction: 'none' });
    assertClose(bce, [200, 200], { rtol: 1e-6 });
  });

  it('weighted mean divides by the weights of the non-ignored targets', () => {
    const logits = randn([3, 2]);
    const w = tensor([0.25, 4]);
    const labels = int([0, 1, -100]);
    const perElement = F.crossEntropy(logits, labels, { weight: w, reduction: 'none' });
    assertClose(F.crossEntropy(logits, labels, { weight: w }), perElement.sum().div(4.25));
    assertClose(perElement.select(0, 2), [0]);
  });

  it('gives NaN for a mean over only ignored targets, as PyTorch does', () => {
    assert.ok(Number.isNaN(F.crossEntropy(randn([2, 3]), int([-100, -100])).item()));
  });

  it('accepts class probabilities with the input shape', () => {
    const logits = randn([2, 3]);
    const onehot = tensor([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    assertClose(F.crossEntropy(logits, onehot), F.crossEntropy(logits, int([2, 0])));
  });
});

describe('loss errors name the problem', () => {
  it('float labels where int32 class indices are expected', () => {
    assert.throws(
      () => F.crossEntropy(randn([3, 5]), tensor([1, 2, 3])),
      /crossEntropy: expected int32 class indices, got float32.*\[3\].*\[3, 5\]/,
    );
    assert.throws(
      () => F.nllLoss(randn([3, 5]), tensor([1, 2, 3])),
      /nllLoss: expected int32 class indices, got float32/,
    );
    assert.throws(
      () => new nn.CrossEntropyLoss().forward(randn([3, 5]), tensor([1, 2, 3], { dtype: 'float64' })),
      /expected int32 class indices, got float64/,
    );
  });

  it('class index out of range names the index and the number of classes', () => {
    assert.throws(
      () => F.crossEntropy(randn([3, 5]), int([1, 7, 0])),
      /target class index 7 .*out of range for 5 classes/,
    );
    assert.throws(
      () => F.nllLoss(randn([3, 5]), int([1, -1, 0])),
      /target class index -1 .*out of range for 5 classes/,
    );
    assert.throws(
      () => F.crossEntropy(randn([2, 5, 3]), int([0, 1, 2, 3, 4, 5]).reshape(2, 3)),
      /index 5 .*out of range for 5 classes/,
    );
  });

  it('target shape mismatch names both shapes', () => {
    assert.throws(
      () => F.crossEntropy(randn([3, 5]), int([1, 2])),
      /input of shape \[3, 5\] needs a target of shape \[3\], got target shape \[2\]/,
    );
    assert.throws(
      () => F.crossEntropy(randn([2, 5, 4]), int([0, 1, 2, 3, 0, 1]).reshape(2, 3)),
      /\[2, 5, 4\].*\[2, 4\].*\[2, 3\]/,
    );
    assert.throws(
      () => F.mseLoss(randn([4, 1]), randn([4])),
      /mseLoss: target shape \[4\] differs from input shape \[4, 1\]/,
    );
    assert.throws(
      () => F.binaryCrossEntropy(randn([4]).sigmoid(), randn([4, 1])),
      /target shape \[4, 1\] differs from input shape \[4\]/,
    );
    assert.throws(() => F.binaryCrossEntropyWithLogits(randn([2, 3]), randn([3, 2])), /\[3, 2\].*\[2, 3\]/);
  });

  it('other bad options', () => {
    assert.throws(
      () => F.crossEntropy(randn([2, 3]), int([0, 1]), { weight: tensor([1, 2]) }),
      /weight must be 1-D with one entry per class \(3\), got shape \[2\]/,
    );
    assert.throws(
      () => F.crossEntropy(randn([2, 3]), int([0, 1]), { labelSmoothing: 1.5 }),
      /labelSmoothing must be between 0.0 and 1.0, got 1.5/,
    );
    assert.throws(
      () => F.crossEntropy(randn([2, 3]), randn([2, 3]), { ignoreIndex: 0 }),
      /ignoreIndex is not supported for class-probability targets/,
    );
    assert.throws(
      () => F.crossEntropy(randn([2, 3]), int([0, 1, 2, 0, 1, 2]).reshape(2, 3)),
      /class probabilities and must be floating point, got int32/,
    );
    assert.throws(
      () => F.binaryCrossEntropy(tensor([0.5, 1.2]), tensor([0, 1])),
      /between 0 and 1, but element 1 is 1.2/,
    );
    assert.throws(() => F.smoothL1Loss(randn([2]), randn([2]), { beta: -1 }), /beta must be non-negative, got -1/);
    assert.throws(() => F.mseLoss(int([1, 2]), int([1, 2])), /mseLoss: expected a floating point input, got int32/);
  });
});
