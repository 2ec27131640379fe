import { OptionError } from '../tensor/errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import { tensor } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { denseRead } from './dense.js';

function asList(params: Tensor | Iterable<Tensor>): Tensor[] {
  return params instanceof Tensor ? [params] : [...params];
}

function vectorNorm(values: ArrayLike<number>, p: number): number {
  return getBackend().optim.vectorNorm(values, p);
}

/**
 * Scales the gradients of `params` so that their total `normType`-norm (all gradients seen
 * as one vector) is at most `maxNorm`, like `torch.nn.utils.clip_grad_norm_`: each
 * gradient's norm, then the norm of those norms; scale = min(1, maxNorm / (total + 1e-6)).
 * Returns the total norm before clipping, as a 0-d tensor of the gradients' dtype.
 * @example
 * loss.backward();
 * const total = clipGradNorm(model.parameters(), 1.0).item();
 * opt.step();
 */
export function clipGradNorm(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  errorIfNonfinite = false,
): Tensor {
  const grads = asList(params).flatMap((p) => (p.grad ? [p.grad] : []));
  if (grads.length === 0) return tensor(0);
  const dtype = grads[0].dtype;
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  // Each norm is a float32 tensor in PyTorch, so round each before combining them.
  const norms = grads.map((g) => round(vectorNorm(denseRead(g), normType)));
  const total = round(vectorNorm(norms, normType));
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new OptionError(
      `The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite=false`,
    );
  }
  // PyTorch computes `maxNorm / t` as `t.reciprocal() * maxNorm`.
  const coef = round(round(1 / round(total + round(1e-6))) * round(maxNorm));
  const clamped = Number.isNaN(coef) ? coef : Math.min(coef, 1);
  noGrad(() => {
    for (const g of grads) g.mul_(clamped);
  });
  return tensor(total, { dtype });
}

/**
 * Clamps every gradient of `params` to [−clipValue, clipValue] in place, like
 * `torch.nn.utils.clip_grad_value_`.
 * @example
 * clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  noGrad(() => {
    for (const p of asList(params)) p.grad?.clamp_(-clipValue, clipValue);
  });
}
