/** nn.functional activations and losses against PyTorch 1.13 (scripts/fixtures/gen_nn.py). */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { nn, tensor, type DType, type Tensor } from '../../../src/index.js';
import { assertClose } from '../../helpers.js';

const F = nn.functional;

type Nested = number | Nested[];
interface Result {
  out: Nested;
  gradOut: Nested;
  grads: { input?: Nested; target?: Nested };
}
interface ActivationCase extends Result {
  fn: string;
  args: {
    negativeSlope?: number;
    approximate?: 'none' | 'tanh';
    alpha?: number;
    beta?: number;
    threshold?: number;
    minVal?: number;
    maxVal?: number;
    dim?: number;
  };
  input: Nested;
}
interface LossCase extends Result {
  fn: string;
  options: {
    reduction: 'none' | 'mean' | 'sum';
    beta?: number;
    delta?: number;
    ignoreIndex?: number;
    labelSmoothing?: number;
  };
  targetDtype: 'int32' | 'float64';
  input: Nested;
  target: Nested;
  weight?: Nested;
  posWeight?: Nested;
}

const fixtures = JSON.parse(readFileSync(new URL('../../fixtures/nn.json', import.meta.url), 'utf8')) as {
  activations: ActivationCase[];
  losses: LossCase[];
};

type Args = ActivationCase['args'];
const activations: Record<string, (x: Tensor, a: Args) => Tensor> = {
  relu: (x) => F.relu(x),
  leakyRelu: (x, a) => F.leakyRelu(x, a.negativeSlope),
  sigmoid: (x) => F.sigmoid(x),
  tanh: (x) => F.tanh(x),
  silu: (x) => F.silu(x),
  gelu: (x, a) => F.gelu(x, { approximate: a.approximate }),
  elu: (x, a) => F.elu(x, a.alpha),
  softplus: (x, a) => F.softplus(x, a.beta, a.threshold),
  hardtanh: (x, a) => F.hardtanh(x, a.minVal, a.maxVal),
  relu6: (x) => F.relu6(x),
  logSigmoid: (x) => F.logSigmoid(x),
  softmax: (x, a) => F.softmax(x, a.dim!),
  logSoftmax: (x, a) => F.logSoftmax(x, a.dim!),
};

interface LossInputs {
  input: Tensor;
  target: Tensor;
  weight?: Tensor;
  posWeight?: Tensor;
}
type LossFn = (t: LossInputs, o: LossCase['options']) => Tensor;
const losses: Record<string, LossFn> = {
  mseLoss: (t, o) => F.mseLoss(t.input, t.target, o),
  l1Loss: (t, o) => F.l1Loss(t.input, t.target, o),
  smoothL1Loss: (t, o) => F.smoothL1Loss(t.input, t.target, o),
  huberLoss: (t, o) => F.huberLoss(t.input, t.target, o),
  binaryCrossEntropy: (t, o) => F.binaryCrossEntropy(t.input, t.target, { ...o, weight: t.weight }),
  binaryCrossEntropyWithLogits: (t, o) =>
    F.binaryCrossEntropyWithLogits(t.input, t.target, { ...o, weight: t.weight, posWeight: t.posWeight }),
  nllLoss: (t, o) => F.nllLoss(t.input, t.target, { ...o, weight: t.weight }),
  crossEntropy: (t, o) => F.crossEntropy(t.input, t.target, { ...o, weight: t.weight }),
};

/** Runs `fn`, backpropagates PyTorch's gradOut, and compares output and gradients. */
function check(
  label: string,
  r: Result,
  dtype: DType,
  leaves: { input: Tensor; target?: Tensor },
  fn: () => Tensor,
): void {
  const tol = dtype === 'float64' ? { rtol: 1e-9, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
  const out = fn();
  assertClose(out, r.out, { ...tol, message: `${label} forward` });
  if (!r.grads.input && !r.grads.target) return;
  out.backward(tensor(r.gradOut, { dtype }));
  if (r.grads.input) assertClose(leaves.input.grad!, r.grads.input, { ...tol, message: `${label} grad input` });
  if (r.grads.target) assertClose(leaves.target!.grad!, r.grads.target, { ...tol, message: `${label} grad target` });
}

for (const dtype of ['float64', 'float32'] as const) {
  describe(`nn.functional activations match PyTorch 1.13 (${dtype})`, () => {
    for (const c of fixtures.activations) {
      const label = `${c.fn}(${JSON.stringify(c.args)})`;
      it(label, () => {
        const input = tensor(c.input, { dtype, requiresGrad: true });
        check(label, c, dtype, { input }, () => activations[c.fn](input, c.args));
      });
    }
  });

  describe(`nn.functional losses match PyTorch 1.13 (${dtype})`, () => {
    fixtures.losses.forEach((c, i) => {
      const extras = [c.weight ? 'weight' : '', c.posWeight ? 'posWeight' : '', `target ${c.targetDtype}`]
        .filter(Boolean)
        .join(', ');
      const label = `#${i} ${c.fn}(${JSON.stringify(c.options)}; ${extras})`;
      it(label, () => {
        const input = tensor(c.input, { dtype, requiresGrad: c.grads.input !== undefined });
        const target =
          c.targetDtype === 'int32'
            ? tensor(c.target, { dtype: 'int32' })
            : tensor(c.target, { dtype, requiresGrad: c.grads.target !== undefined });
        const inputs: LossInputs = {
          input,
          target,
          weight: c.weight === undefined ? undefined : tensor(c.weight, { dtype }),
          posWeight: c.posWeight === undefined ? undefined : tensor(c.posWeight, { dtype }),
        };
        check(label, c, dtype, { input, target }, () => losses[c.fn](inputs, c.options));
      });
    });
  });
}
