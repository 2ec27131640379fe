/**
 * Matrix product with PyTorch's `matmul` semantics (1-D promotion, batched, broadcast batch
 * dims). The primitive is the batched ≥2-D product; transposed operands are passed to the
 * kernel as flags instead of being copied, which is what the backward pass needs:
 *   dA = dY · Bᵀ,  dB = Aᵀ · dY
 */
import { DTypeError, ShapeError } from '../tensor/errors.js';
import { exclusiveGrad, record } from '../autograd/graph.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import { allocateOverwritten, isFloating, promoteTypes, type FloatArray } from '../tensor/dtype.js';
import { broadcastShapes, formatShape, numel } from '../tensor/shape.js';
import { installMethods, type MethodsOf } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { binaryInto, cast } from './elementwise.js';
import { expand, squeeze, transpose, unsqueeze } from './movement.js';
import './methods.js';

interface Operand {
  data: FloatArray;
  trans: boolean;
  batchStride: number;
}

/** Reads `t` (shape [...batch, r, c]) as the kernel wants it, copying only when it must. */
function operand(t: Tensor, batch: number): Operand {
  const batchDims = t.ndim - 2;
  const r = t.shape[batchDims];
  const c = t.shape[batchDims + 1];
  const sr = t.strides[batchDims];
  const sc = t.strides[batchDims + 1];
  const matrixSize = r * c;
  const rowMajor = (sc === 1 || c === 1) && (sr === c || r === 1);
  const colMajor = !rowMajor && (sr === 1 || r === 1) && (sc === r || c === 1);
  // Batch dims must be dense (stride r*c per matrix) or all broadcast (stride 0).
  let batchStride = -1;
  let broadcast = true;
  for (let i = 0; i < batchDims && broadcast; i++) broadcast = t.strides[i] === 0 || t.shape[i] === 1;
  if (batch === 1 || broadcast) batchStride = 0;
  else {
    let expect = matrixSize;
    let dense = true;
    for (let i = batchDims - 1; i >= 0; i--) {
      if (t.shape[i] !== 1 && t.strides[i] !== expect) dense = false;
      expect *= t.shape[i];
    }
    if (dense) batchStride = matrixSize;
  }
  if ((rowMajor || colMajor) && batchStride >= 0) {
    const data = (t.offset === 0 ? t.storage.data : t.storage.data.subarray(t.offset)) as FloatArray;
    return { data, trans: colMajor, batchStride };
  }
  const c2 = noGrad(() => t.clone());
  return { data: c2.storage.data as FloatArray, trans: false, batchStride: batch === 1 ? 0 : matrixSize };
}

/**
 * `a · b` for 2-D tensors of one float dtype, recording nothing: the kernel call bmm makes for
 * them (same operands, flags and strides, so the same numbers) without its broadcasting, expand
 * and detach views, which were most of a batch-1 product's time.
 */
function product2d(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[0];
  const k = a.shape[1];
  const n = b.shape[1];
  const A = operand(a, 1);
  const B = operand(b, 1);
  const out = allocateOverwritten(a.dtype, m * n) as FloatArray; // the kernel writes every element
  if (out.length > 0) getBackend().matmul(A.data, B.data, out, 1, m, k, n, A.trans, B.trans, 0, 0);
  return Tensor.fromData(out, [m, n]);
}

/** Whether `product2d(a, b)` computes `matmul(a, b)`, with no graph to record. */
function plain2d(a: Tensor, b: Tensor): boolean {
  return (
    a.ndim === 2 &&
    b.ndim === 2 &&
    a.dtype === b.dtype &&
    isFloating(a.dtype) &&
    a.shape[1] === b.shape[0] &&
    !(isGradEnabled() && (a.requiresGrad || b.requiresGrad))
  );
}

/** `matmul` for the 2-D products of backward rules (which run under noGrad): product2d when it can. */
function mm(a: Tensor, b: Tensor): Tensor {
  return plain2d(a, b) ? product2d(a, b) : matmul(a, b);
}

/** A detached `[in, out]` view of a `[out, in]` weight: transpose(weight.detach()) in one object. */
function weightT(weight: Tensor): Tensor {
  return new Tensor(
    weight.storage,
    [weight.shape[1], weight.shape[0]],
    [weight.strides[1], weight.strides[0]],
    weight.offset,
  );
}

/** The batched product of ≥2-D tensors whose batch dims broadcast. */
function bmm(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2];
  const k = a.shape[a.ndim - 1];
  const n = b.shape[b.ndim - 1];
  if (b.shape[b.ndim - 2] !== k) {
    throw new ShapeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} columns vs ${b.shape[b.ndim - 2]} rows)`,
    );
  }
  let batchShape: number[];
  try {
    batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  } catch {
    throw new ShapeError(
      `matmul: the batch dimensions of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast together`,
    );
  }
  const batch = numel(batchShape);
  const ae = expand(a.detach(), [...batchShape, m, k]);
  const be = expand(b.detach(), [...batchShape, k, n]);
  const A = operand(ae, batch);
  const B = operand(be, batch);
  const out = allocateOverwritten(a.dtype, batch * m * n) as FloatArray; // the kernel writes every element
  if (out.length > 0)
    getBackend().matmul(A.data, B.data, out, batch, m, k, n, A.trans, B.trans, A.batchStride, B.batchStride);
  const y = Tensor.fromData(out, [...batchShape, m, n]);
  return record(
    y,
    'matmul',
    [a, b],
    (dy) => [
      a.requiresGrad ? bmm(dy, transpose(b, -1, -2)) : null,
      b.requiresGrad ? bmm(transpose(a, -1, -2), dy) : null,
    ],
    [a, b],
  );
}

/**
 * Matrix product like `torch.matmul`: 1-D·1-D is a dot product, 2-D·2-D a matrix product,
 * and higher ranks multiply batches of matrices with broadcasting.
 * @example
 * matmul(ones([4, 3]), ones([3, 2])).shape; // [4, 2]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both arguments need at least 1 dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  // Integer products, as torch's int64 matmul: exact in float64 for the sizes int32 holds.
  if (a.dtype === 'int32' && b.dtype === 'int32') return cast(matmul(cast(a, 'float64'), cast(b, 'float64')), 'int32');
  if (!isFloating(a.dtype) || !isFloating(b.dtype)) {
    throw new DTypeError(`matmul: expected floating point tensors (or two int32 ones), got ${a.dtype} and ${b.dtype}`);
  }
  const ka = a.shape[a.ndim - 1];
  const kb = b.shape[Math.max(0, b.ndim - 2)];
  if (ka !== kb) {
    throw new ShapeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${ka} columns vs ${kb} rows)`,
    );
  }
  const dtype = promoteTypes(a.dtype, b.dtype);
  const a2 = a.ndim === 1 ? unsqueeze(cast(a, dtype), 0) : cast(a, dtype);
  const b2 = b.ndim === 1 ? unsqueeze(cast(b, dtype), -1) : cast(b, dtype);
  let y = bmm(a2, b2);
  if (a.ndim === 1) y = squeeze(y, -2);
  if (b.ndim === 1) y = squeeze(y, -1);
  return y;
}

/**
 * `x · Wᵀ + b`, the linear layer's product, with W stored `[out, in]` as in PyTorch. Its own
 * rule computes dW = dYᵀ · X straight into W's layout (through `matmul(x, Wᵀ)` the gradient
 * would arrive transposed and need a strided copy every step).
 * @example
 * linear(ones([2, 3]), ones([4, 3]), zeros([4])).shape; // [2, 4]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2 || x.ndim === 0 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `linear: input has ${x.shape[x.ndim - 1]} features (shape ${formatShape(x.shape)}) but the weight expects ${weight.shape[1]} (weight shape ${formatShape(weight.shape)})`,
    );
  }
  // 2-D input of the weight's float dtype (every nn.Linear call on a batch): the product without
  // matmul's general path; x is only read (the product is recorded below as 'linear').
  const product =
    x.ndim === 2 && x.dtype === weight.dtype && isFloating(x.dtype)
      ? product2d(x, weightT(weight))
      : matmul(x.detach(), transpose(weight.detach(), 0, 1));
  // The bias goes into the fresh product in place (same values as a separate add, one buffer and
  // one node fewer); its gradient is dy, which the engine sums down to the bias's shape.
  const fused = bias ? noGrad(() => binaryInto('add', product, bias.detach())) : false;
  const inputs = fused ? [x, weight, bias!] : [x, weight];
  const y = record(
    product,
    'linear',
    inputs,
    (dy) => {
      return [
        x.requiresGrad ? exclusiveGrad(mm(dy, weight)) : null,
        weight.requiresGrad ? exclusiveGrad(mm(transpose(rows(dy), 0, 1), rows(x))) : null,
        fused && bias!.requiresGrad ? dy : null,
      ];
    },
    [x, weight],
  );
  return bias && !fused ? y.add(bias) : y;
}

/** `t` as a matrix of its last dim's rows (a module function: no closure per backward). */
function rows(t: Tensor): Tensor {
  return t.reshape(-1, t.shape[t.ndim - 1]);
}

/** The Tensor methods of this family (see tensor/methods.ts). */
export const matmulMethods = {
  matmul(this: Tensor, other: Tensor): Tensor {
    return matmul(this, other);
  },
};
installMethods(matmulMethods);
declare module '../tensor/tensor.js' {
  interface Tensor extends MethodsOf<typeof matmulMethods> {}
}
