import { DTypeError, ShapeError, StateError } from '../tensor/errors.js';
import { grad } from './engine.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { defaultGenerator } from '../tensor/random.js';
import { checkOptions, type OptionKeys } from '../tensor/options.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check this many random directions instead of every element (cheap on large inputs). */
  directions?: number;
}

const GRADCHECK_KEYS: OptionKeys<GradcheckOptions> = { eps: true, atol: true, rtol: true, directions: true };

function scalarOutput(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  weights: Tensor | null,
): { value: number; out: Tensor } {
  const out = fn(...inputs);
  const w = weights ?? out;
  const value = weights ? out.mul(w).sum().item() : out.sum().item();
  return { value, out };
}

/**
 * Compares the gradients that `backward()` computes with central finite differences, like
 * `torch.autograd.gradcheck`. Inputs should be float64 for tight tolerances. The output is
 * reduced with fixed random weights so every output element is checked. Throws an error naming
 * the input and element that disagree; returns true otherwise.
 * @example
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradcheck((x) => x.tanh().sum(), [x]);
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): true {
  checkOptions('gradcheck', options, GRADCHECK_KEYS);
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, directions } = options;
  const probe = noGrad(() => fn(...inputs.map((x) => x.detach())));
  const weights = probe.isFloatingPoint()
    ? Tensor.fromData(
        Float64Array.from({ length: probe.numel() }, () => defaultGenerator.normal()),
        probe.shape,
      ).to(probe.dtype)
    : null;
  for (const x of inputs) x.grad = null;
  const out = fn(...inputs);
  const loss = weights ? out.mul(weights).sum() : out.sum();
  // An output with no graph does not depend differentiably on any input: every analytic
  // gradient is zero, and the finite differences must agree.
  if (loss.requiresGrad) loss.backward();
  const evaluate = (): number => noGrad(() => scalarOutput(fn, inputs, weights).value);
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    if (!x.isContiguous() && x.isLeaf)
      throw new StateError('gradcheck: leaf inputs must be contiguous (pass a view built inside fn instead)');
    const analytic = x.grad ? (x.grad.toTypedArray() as ArrayLike<number>) : new Float64Array(x.numel());
    const data = x.storage.data;
    const perturb = (i: number, delta: number) => {
      data[x.offset + i] += delta;
      x.storage.version++;
    };
    const check = (numeric: number, expected: number, where: string) => {
      if (Math.abs(numeric - expected) > atol + rtol * Math.abs(numeric)) {
        throw new ShapeError(
          `gradcheck: input ${k} (shape ${formatShape(x.shape)}) ${where}: numerical ${numeric} vs analytical ${expected}`,
        );
      }
    };
    if (directions === undefined) {
      for (let i = 0; i < x.numel(); i++) {
        const orig = data[x.offset + i];
        perturb(i, eps);
        const plus = evaluate();
        data[x.offset + i] = orig;
        perturb(i, -eps);
        const minus = evaluate();
        data[x.offset + i] = orig;
        check((plus - minus) / (2 * eps), analytic[i], `element ${i}`);
      }
      return;
    }
    for (let r = 0; r < directions; r++) {
      const dir = Float64Array.from({ length: x.numel() }, () => defaultGenerator.normal());
      const orig = Float64Array.from({ length: x.numel() }, (_, i) => data[x.offset + i]);
      for (let i = 0; i < dir.length; i++) data[x.offset + i] = orig[i] + eps * dir[i];
      const plus = evaluate();
      for (let i = 0; i < dir.length; i++) data[x.offset + i] = orig[i] - eps * dir[i];
      const minus = evaluate();
      for (let i = 0; i < dir.length; i++) data[x.offset + i] = orig[i];
      x.storage.version++;
      const expected = dir.reduce((acc, v, i) => acc + v * analytic[i], 0);
      check((plus - minus) / (2 * eps), expected, `direction ${r}`);
    }
  });
  return true;
}

/** Random normal values of `shape` and `dtype` from the default generator. */
function randomLike(shape: readonly number[], dtype: Tensor['dtype']): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return Tensor.fromData(
    Float64Array.from({ length: n }, () => defaultGenerator.normal()),
    shape,
  ).to(dtype);
}

/**
 * Checks second derivatives with finite differences of the gradient, like
 * `torch.autograd.gradgradcheck`: the vector-Jacobian product `v ↦ grad(fn(x), x, v)`, computed
 * with `createGraph`, is itself gradchecked with respect to the inputs and the random vector `v`.
 * A backward rule that is not recorded (or is recorded wrongly) under `createGraph` fails here.
 * Inputs should be float64. Throws an error naming the input and element that disagree.
 * @example
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradgradcheck((x) => x.tanh().mul(x), [x]);
 */
export function gradgradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): true {
  checkOptions('gradgradcheck', options, GRADCHECK_KEYS);
  const probe = noGrad(() => fn(...inputs.map((x) => x.detach())));
  if (!probe.isFloatingPoint())
    throw new DTypeError(`gradgradcheck: fn returned a ${probe.dtype} tensor, not a floating one`);
  const v = randomLike(probe.shape, probe.dtype).requiresGrad_();
  // Fixed random weights for each input's gradient: the checked function is one number.
  const weights = inputs.map((x) => randomLike(x.shape, x.dtype));
  const vjp = (...args: Tensor[]): Tensor =>
    enableGrad(() => {
      const xs = args.slice(0, inputs.length).map((x) => (x.requiresGrad ? x : x.detach().requiresGrad_()));
      const gy = args[inputs.length];
      const out = fn(...xs);
      if (!out.requiresGrad) return out.mul(0).sum(); // no graph: every gradient is zero
      const grads = grad(out, xs, { gradOutput: gy, createGraph: true, allowUnused: true });
      let total: Tensor = gy.mul(0).sum();
      grads.forEach((g, k) => {
        if (g) total = total.add(g.mul(weights[k]).sum());
      });
      return total;
    });
  try {
    return gradcheck(vjp, [...inputs, v], options);
  } catch (e) {
    const message = (e as Error).message.replace(/^gradcheck: input (\d+)/, (_m, k: string) =>
      Number(k) === inputs.length ? 'gradgradcheck: the output gradient v' : `gradgradcheck: input ${k}`,
    );
    throw new Error(message, { cause: e });
  }
}
