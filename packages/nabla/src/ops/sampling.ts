/**
 * Sampling functions of `torch.*` (bernoulli, multinomial, normal) and the remaining creation
 * helper logspace. Draws come from nabla's seeded Generator, so they are
 * reproducible but not PyTorch's stream.
 */
import { OptionError, ShapeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { allocate, checkDType } from '../tensor/dtype.js';
import { linspace, zeros, type TensorOptions } from '../tensor/create.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import './methods.js';

/**
 * `steps` points from base^start to base^end, evenly spaced in the exponent, like `torch.logspace`.
 * @example
 * logspace(0, 2, 3); // [1, 10, 100]
 */
export function logspace(start: number, end: number, steps: number, base = 10, options: TensorOptions = {}): Tensor {
  checkOptions('logspace', options, { dtype: true, requiresGrad: true });
  const exps = linspace(start, end, steps, { dtype: 'float64' });
  const out = Tensor.fromData(
    Float64Array.from(exps.toTypedArray(), (e) => base ** e),
    [steps],
  ).to(checkDType(options.dtype ?? 'float32', 'logspace'));
  return options.requiresGrad ? out.requiresGrad_() : out;
}

/** 1 with probability `p` (elementwise, in [0, 1]), else 0, in p's dtype, like `torch.bernoulli`. */
export function bernoulli(p: Tensor, generator: Generator = defaultGenerator): Tensor {
  const probs = p.toTypedArray();
  const out = allocate(p.isFloatingPoint() ? p.dtype : 'float32', probs.length);
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i] >= 0 && probs[i] <= 1))
      throw new OptionError(`bernoulli: probabilities must be in [0, 1], got ${probs[i]} at element ${i}`);
    out[i] = generator.random() < probs[i] ? 1 : 0;
  }
  return Tensor.fromData(out, p.shape);
}

/**
 * `numSamples` indices per row drawn with probability proportional to the (non-negative)
 * weights in `probs` ([C] or [N, C]), without replacement unless `replacement`; int32, like
 * `torch.multinomial`.
 * @example
 * multinomial(tensor([0, 0, 1]), 1); // [2]
 */
export function multinomial(
  probs: Tensor,
  numSamples: number,
  replacement = false,
  generator: Generator = defaultGenerator,
): Tensor {
  if (probs.ndim !== 1 && probs.ndim !== 2)
    throw new ShapeError(`multinomial: expected 1-D or 2-D probabilities, got shape ${formatShape(probs.shape)}`);
  const rows = probs.ndim === 1 ? 1 : probs.shape[0];
  const c = probs.shape[probs.ndim - 1];
  if (!replacement && numSamples > c)
    throw new OptionError(`multinomial: cannot draw ${numSamples} samples without replacement from ${c} categories`);
  const w = probs.toTypedArray();
  const out = new Int32Array(rows * numSamples);
  for (let r = 0; r < rows; r++) {
    const weights = Array.from(w.subarray(r * c, (r + 1) * c));
    if (weights.some((x) => !(x >= 0) || !Number.isFinite(x)))
      throw new OptionError(`multinomial: row ${r} has a negative, infinite or NaN weight`);
    for (let s = 0; s < numSamples; s++) {
      const total = weights.reduce((a, b) => a + b, 0);
      if (!(total > 0)) {
        throw new OptionError(
          `multinomial: row ${r} has no positive weight left for sample ${s + 1} of ${numSamples}${replacement ? '' : ' (drawn without replacement)'}`,
        );
      }
      let u = generator.random() * total;
      let k = 0;
      while (k < c - 1 && (u >= weights[k] || weights[k] === 0)) u -= weights[k++];
      while (weights[k] === 0) k--; // rounding can run past the last positive weight
      out[r * numSamples + s] = k;
      if (!replacement) weights[k] = 0;
    }
  }
  return Tensor.fromData(out, probs.ndim === 1 ? [numSamples] : [rows, numSamples]);
}

/** Samples N(mean, std²) of `shape`, like `torch.normal(mean, std, size)`. */
export function normal(
  mean: number,
  std: number,
  shape: Shape,
  options: TensorOptions & { generator?: Generator } = {},
): Tensor {
  checkOptions('normal', options, { dtype: true, requiresGrad: true, generator: true });
  if (!(std >= 0)) throw new OptionError(`normal: std must be non-negative, got ${std}`);
  const g = options.generator ?? defaultGenerator;
  const t = zeros(shape, { dtype: options.dtype ?? 'float32' });
  const data = t.storage.data;
  for (let i = 0; i < data.length; i++) data[i] = mean + std * g.normal();
  return options.requiresGrad ? t.requiresGrad_() : t;
}
