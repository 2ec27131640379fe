/**
 * In-place methods (`x.add_(y)`, `x.fill_(0)`…), allowed only where autograd is not watching:
 * on tensors that do not require grad, or under `noGrad`. Each bumps the storage's version, so
 * a backward rule that saved the tensor notices the change.
 */
import { OptionError, StateError } from '../tensor/errors.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { isTracing, traced } from '../autograd/graph.js';
import { getBackend } from '../backend/index.js';
import { checkValueFits, isFloating } from '../tensor/dtype.js';
import { installMethods } from '../tensor/methods.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { add, asTensor, binaryInto, cast, clamp, div, mul, sub } from './elementwise.js';
import { maskedFill } from './masking.js';
import { expand } from './movement.js';
import { strided } from '../tensor/strided.js';
import './methods.js';

/**
 * Writes `compute()` (broadcast to `self`'s shape) into `self`'s memory, or lets `direct` write
 * it there itself (it returns false when it cannot).
 */
function inPlace<T extends Tensor>(self: T, op: string, compute: () => Tensor, direct?: () => boolean): T {
  if (isGradEnabled() && self.requiresGrad) {
    throw new StateError(
      self.isLeaf
        ? `${op}: a leaf tensor that requires grad cannot be modified in place; wrap the update in noGrad(() => ...)`
        : `${op}: in-place ops on tensors that are part of the autograd graph are not supported; use the out-of-place op`,
    );
  }
  // A tracer (ONNX export) sees the computed value land in self; the direct kernel it cannot see,
  // nor the tensor a view shares its memory with.
  if (isTracing() && self.numel() !== self.storage.data.length)
    throw new OptionError(
      `${op}: an in-place write into a view (or a tensor sharing its memory) cannot be exported; use the out-of-place op`,
    );
  if (!direct || isTracing() || !noGrad(direct)) {
    const value = noGrad(compute);
    const src = expand(cast(value, self.dtype), self.shape);
    getBackend().copy(strided(src), strided(self), self.shape);
    traced(self, 'assign', [src]);
  }
  self.storage.version++;
  return self;
}

// A switch, not a table of the functions: op modules may only touch each other's exports inside
// function bodies (they load in a cycle).
function binary(op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: TensorLike): Tensor {
  switch (op) {
    case 'add':
      return add(a, b);
    case 'sub':
      return sub(a, b);
    case 'mul':
      return mul(a, b);
    default:
      return div(a, b);
  }
}

/** `self op= other`, computed straight into `self`'s memory when that is safe. */
function binaryInPlace<T extends Tensor>(
  self: T,
  op: 'add' | 'sub' | 'mul' | 'div',
  other: TensorLike,
  alpha?: number,
): T {
  const rhs = alpha === undefined ? other : noGrad(() => mul(other, alpha));
  return inPlace(
    self,
    `${op}_`,
    () => binary(op, self, rhs),
    () => binaryInto(op, self, rhs),
  );
}

function fill_<T extends Tensor>(self: T, value: number): T {
  // A dense float tensor is filled natively (zeroGrad zeros every gradient each step), without
  // inPlace's closures.
  if (isFloating(self.dtype) && self.isContiguous() && !(isGradEnabled() && self.requiresGrad)) {
    getBackend().fill(self.storage.data, value, self.offset, self.offset + self.numel());
    self.storage.version++;
    return self;
  }
  checkValueFits(value, self.dtype, 'fill_'); // an int32 tensor refuses 3e9 and NaN, as PyTorch does
  return inPlace(self, 'fill_', () => asTensor(value, self.dtype));
}

/** The in-place Tensor methods (typed below: they return `this`, which a mapped type cannot say). */
export const inPlaceMethods = {
  copy_(this: Tensor, src: TensorLike): Tensor {
    return inPlace(this, 'copy_', () => asTensor(src, this.dtype));
  },
  fill_(this: Tensor, value: number): Tensor {
    return fill_(this, value);
  },
  zero_(this: Tensor): Tensor {
    return fill_(this, 0);
  },
  normal_(this: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
    return inPlace(this, 'normal_', () =>
      Tensor.fromData(
        Float64Array.from({ length: this.numel() }, () => mean + std * generator.normal()),
        this.shape,
      ),
    );
  },
  uniform_(this: Tensor, from = 0, to = 1, generator: Generator = defaultGenerator): Tensor {
    return inPlace(this, 'uniform_', () =>
      Tensor.fromData(
        Float64Array.from({ length: this.numel() }, () => from + (to - from) * generator.random()),
        this.shape,
      ),
    );
  },
  maskedFill_(this: Tensor, mask: Tensor, value: number): Tensor {
    return inPlace(this, 'maskedFill_', () => maskedFill(this, mask, value));
  },
  add_(this: Tensor, other: TensorLike, alpha?: number): Tensor {
    return binaryInPlace(this, 'add', other, alpha);
  },
  sub_(this: Tensor, other: TensorLike, alpha?: number): Tensor {
    return binaryInPlace(this, 'sub', other, alpha);
  },
  mul_(this: Tensor, other: TensorLike): Tensor {
    return binaryInPlace(this, 'mul', other);
  },
  div_(this: Tensor, other: TensorLike): Tensor {
    return binaryInPlace(this, 'div', other);
  },
  clamp_(this: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return inPlace(this, 'clamp_', () => clamp(this, min, max));
  },
};
installMethods(inPlaceMethods);

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** Copies `src` (broadcast to this shape) into this tensor's memory. */
    copy_(src: TensorLike): this;
    fill_(value: number): this;
    zero_(): this;
    /** Fills with N(mean, std²) samples, like `Tensor.normal_`. */
    normal_(mean?: number, std?: number, generator?: Generator): this;
    /** Fills with U(from, to) samples, like `Tensor.uniform_`. */
    uniform_(from?: number, to?: number, generator?: Generator): this;
    maskedFill_(mask: Tensor, value: number): this;
    add_(other: TensorLike, alpha?: number): this;
    sub_(other: TensorLike, alpha?: number): this;
    mul_(other: TensorLike): this;
    div_(other: TensorLike): this;
    clamp_(min?: TensorLike | null, max?: TensorLike | null): this;
  }
}

// The declarations above are written by hand (a mapped type cannot say `this`); this fails to
// compile when one of them takes other arguments than its table entry.
type SameArgs<K extends keyof typeof inPlaceMethods> =
  Parameters<OmitThisParameter<(typeof inPlaceMethods)[K]>> extends Parameters<Tensor[K]>
    ? Parameters<Tensor[K]> extends Parameters<OmitThisParameter<(typeof inPlaceMethods)[K]>>
      ? true
      : false
    : false;
export type InPlaceDeclarationsMatch =
  { [K in keyof typeof inPlaceMethods]: SameArgs<K> } extends Record<keyof typeof inPlaceMethods, true> ? true : never;
export const inPlaceDeclarationsMatch: InPlaceDeclarationsMatch = true;
