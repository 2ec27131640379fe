/** Finite-difference checks (float64) of every nn.functional activation and loss. */
import { describe, it } from 'node:test';
import { Generator, gradcheck, nn, rand, randint, randn, tensor, type Tensor } from '../../../src/index.js';

const F = nn.functional;
const gen = new Generator(7);
const f64 = (shape: number[], scale = 1): Tensor =>
  randn(shape, { dtype: 'float64', generator: gen }).mul(scale).detach().requiresGrad_();
const unit = (shape: number[]): Tensor =>
  rand(shape, { dtype: 'float64', generator: gen }).mul(0.9).add(0.05).detach().requiresGrad_();
const constant = (t: Tensor): Tensor => t.detach();

describe('gradcheck: activations', () => {
  const acts: [string, (x: Tensor) => Tensor][] = [
    ['relu', (x) => F.relu(x)],
    ['leakyRelu', (x) => F.leakyRelu(x, 0.2)],
    ['sigmoid', (x) => F.sigmoid(x)],
    ['tanh', (x) => F.tanh(x)],
    ['silu', (x) => F.silu(x)],
    ['gelu', (x) => F.gelu(x)],
    ['gelu tanh', (x) => F.gelu(x, { approximate: 'tanh' })],
    ['elu', (x) => F.elu(x, 0.7)],
    ['softplus', (x) => F.softplus(x)],
    ['softplus beta 2 threshold 1 (both branches)', (x) => F.softplus(x, 2, 1)],
    ['hardtanh', (x) => F.hardtanh(x, -1.5, 0.8)],
    ['relu6', (x) => F.relu6(x.mul(4))],
    ['logSigmoid', (x) => F.logSigmoid(x.mul(3))],
    ['softmax dim 1', (x) => F.softmax(x, 1)],
    ['softmax dim 0', (x) => F.softmax(x, 0)],
    ['logSoftmax dim -1', (x) => F.logSoftmax(x, -1)],
  ];
  for (const [name, fn] of acts) {
    it(name, () => {
      gradcheck(fn, [f64([3, 5], 2)]);
    });
  }
});

const REDUCTIONS = ['none', 'mean', 'sum'] as const;

describe('gradcheck: regression losses (input and target)', () => {
  for (const reduction of REDUCTIONS) {
    it(`mse, l1, smoothL1, huber (${reduction})`, () => {
      const x = f64([4, 3], 2);
      const t = f64([4, 3], 2);
      gradcheck((a, b) => F.mseLoss(a, b, { reduction }), [x, t]);
      gradcheck((a, b) => F.l1Loss(a, b, { reduction }), [x, t]);
      gradcheck((a, b) => F.smoothL1Loss(a, b, { reduction }), [x, t]);
      gradcheck((a, b) => F.smoothL1Loss(a, b, { reduction, beta: 0.5 }), [x, t]);
      gradcheck((a, b) => F.smoothL1Loss(a, b, { reduction, beta: 0 }), [x, t]);
      gradcheck((a, b) => F.huberLoss(a, b, { reduction, delta: 1.5 }), [x, t]);
    });
  }
});

describe('gradcheck: binary losses', () => {
  for (const reduction of REDUCTIONS) {
    it(`binaryCrossEntropy with and without weight (${reduction})`, () => {
      const weight = constant(unit([3]));
      gradcheck((p, t) => F.binaryCrossEntropy(p, t, { reduction }), [unit([4, 3]), unit([4, 3])]);
      gradcheck((p, t) => F.binaryCrossEntropy(p, t, { reduction, weight }), [unit([4, 3]), unit([4, 3])]);
    });
    it(`binaryCrossEntropyWithLogits with weight and posWeight (${reduction})`, () => {
      const weight = constant(unit([4, 3]));
      const posWeight = constant(unit([3]).mul(3));
      const x = f64([4, 3], 3);
      const t = unit([4, 3]);
      gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { reduction }), [x, t]);
      gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { reduction, weight, posWeight }), [x, t]);
      gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { reduction, posWeight }), [x, t]);
    });
  }
});

/** Labels in [0, classes) with one element set to `ignore`. */
function labels(shape: number[], classes: number, ignore: number): Tensor {
  const t = randint(0, classes, shape, { generator: gen });
  const data = t.toTypedArray();
  if (data.length > 1) data[1] = ignore;
  return tensor(Array.from(data), { dtype: 'int32' }).reshape(shape);
}

describe('gradcheck: crossEntropy and nllLoss', () => {
  const shapes: [string, number[], number[]][] = [
    ['[N, C]', [5, 4], [5]],
    ['[N, C, d1, d2]', [2, 4, 2, 2], [2, 2, 2]],
    ['[C]', [4], []],
  ];
  const weight = constant(unit([4]).add(0.2));
  for (const [label, inShape, tShape] of shapes) {
    for (const reduction of REDUCTIONS) {
      it(`class indices ${label} (${reduction}): weight × ignoreIndex × labelSmoothing`, () => {
        for (const w of [null, weight]) {
          for (const ignoreIndex of [-100, 2]) {
            const t = labels(tShape, 4, ignoreIndex);
            for (const labelSmoothing of [0, 0.3]) {
              gradcheck(
                (x) => F.crossEntropy(x, t, { reduction, weight: w, ignoreIndex, labelSmoothing }),
                [f64(inShape, 2)],
              );
            }
            gradcheck(
              (x) => F.nllLoss(x.logSoftmax(inShape.length === 1 ? 0 : 1), t, { reduction, weight: w, ignoreIndex }),
              [f64(inShape, 2)],
            );
          }
        }
      });
      it(`class probabilities ${label} (${reduction}): weight × labelSmoothing, input and target`, () => {
        for (const w of [null, weight]) {
          for (const labelSmoothing of [0, 0.3]) {
            const dim = inShape.length === 1 ? 0 : 1;
            gradcheck(
              (x, p) => F.crossEntropy(x, p.softmax(dim), { reduction, weight: w, labelSmoothing }),
              [f64(inShape, 2), f64(inShape)],
            );
          }
        }
      });
    }
  }
});
