/**
 * Custom autograd functions (function.ts), like torch.autograd.Function: static-style classes and
 * objects, saved tensors, needsInputGrad, several inputs and outputs, non-tensor arguments,
 * non-differentiable outputs, createGraph (gradchecked and gradgradchecked), and errors naming
 * the function when backward returns the wrong number or shape of gradients.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AutogradFunction,
  customFunction,
  type FunctionCtx,
  grad,
  gradcheck,
  gradgradcheck,
  noGrad,
  randn,
  type Tensor,
  tensor,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const f64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64', requiresGrad: true });

/** x³ with the saved input: its backward is written in tensor ops, so it differentiates again. */
class Cube extends AutogradFunction {
  static forward(ctx: FunctionCtx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static backward(ctx: FunctionCtx, dy: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return dy.mul(x.square().mul(3));
  }
}

/** eˣ, saving its output (the backward reads the returned tensor, graph included). */
class Exp extends AutogradFunction {
  static forward(ctx: FunctionCtx, x: Tensor): Tensor {
    const y = x.exp();
    ctx.saveForBackward(y);
    return y;
  }
  static backward(ctx: FunctionCtx, dy: Tensor): Tensor {
    return dy.mul(ctx.savedTensors[0]);
  }
}

/** (a·b·k, a + b, argmax a): two tensors and a number in; two differentiable outputs and an index out. */
const mulAdd = customFunction({
  name: 'MulAdd',
  forward(ctx, a: Tensor, b: Tensor, k: number) {
    ctx.saveForBackward(a, b);
    ctx.k = k;
    ctx.seen = ctx.needsInputGrad;
    const index = a.argmax();
    ctx.markNonDifferentiable(index);
    return [a.mul(b).mul(k), a.add(b), index];
  },
  backward(ctx, dProduct, dSum, dIndex) {
    assert.equal(dIndex.numel(), 1);
    const [a, b] = ctx.savedTensors;
    const k = ctx.k as number;
    return [
      ctx.needsInputGrad[0] ? dProduct.mul(b).mul(k).add(dSum) : null,
      ctx.needsInputGrad[1] ? dProduct.mul(a).mul(k).add(dSum) : null,
      null,
    ];
  },
});

describe('custom autograd functions', () => {
  it('a static-style class: apply(), gradients into .grad, gradcheck and gradgradcheck', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = Cube.apply(x);
    assert.equal(y.gradFn?.name, 'Cube');
    y.sum().backward();
    assertClose(x.grad!, [3, 12]);
    assert.equal(
      gradcheck((t) => Cube.apply(t), [f64([3, 2])]),
      true,
    );
    assert.equal(
      gradgradcheck((t) => Cube.apply(t), [f64([3, 2])]),
      true,
    );
  });

  it('a saved output is the returned tensor with its graph, so second derivatives are right', () => {
    const x = tensor([0.5, -1], { dtype: 'float64', requiresGrad: true });
    const [g] = grad(Exp.apply(x).sum(), [x], { createGraph: true });
    const [h] = grad(g!.sum(), [x]);
    assertClose(h!, [Math.exp(0.5), Math.exp(-1)]);
    assert.equal(
      gradgradcheck((t) => Exp.apply(t).mul(t), [f64([4])]),
      true,
    );
  });

  it('several inputs and outputs, a number argument, a non-differentiable output', () => {
    const [a, b] = [f64([4]), f64([4])];
    const [product, total, index] = mulAdd(a, b, 2.5);
    assert.ok(product.requiresGrad && total.requiresGrad);
    assert.equal(index.requiresGrad, false);
    assert.equal(index.dtype, 'int32');
    const check = (p: Tensor, q: Tensor): Tensor => {
      const [u, v] = mulAdd(p, q, 2.5);
      return u.mul(v).add(v.mul(3));
    };
    assert.equal(gradcheck(check, [a, b]), true);
    assert.equal(gradgradcheck(check, [a, b]), true);
    // Only one output used: the other's gradient reaches backward as zeros.
    a.grad = null;
    mulAdd(a, b, 2)[1].sum().backward();
    assertClose(a.grad!, [1, 1, 1, 1]);
  });

  it('needsInputGrad says which arguments want a gradient', () => {
    const a = f64([3]);
    const b = randn([3], { dtype: 'float64' });
    let seen: readonly boolean[] = [];
    const probe = customFunction({
      name: 'Probe',
      forward(ctx, x: Tensor, y: Tensor, _k: number) {
        seen = ctx.needsInputGrad;
        return x.mul(y);
      },
      backward(_ctx, dy) {
        return [dy, null, null];
      },
    });
    probe(a, b, 1);
    assert.deepEqual(seen, [true, false, false]);
    noGrad(() => probe(a, b, 1));
    assert.deepEqual(seen, [false, false, false]);
  });

  it('records nothing when no input requires grad, and returns a new tensor for an input passed through', () => {
    const identity = customFunction({
      name: 'Identity',
      forward(_ctx, x: Tensor) {
        return x;
      },
      backward(_ctx, dy) {
        return dy;
      },
    });
    const plain = tensor([1, 2]);
    assert.equal(identity(plain), plain);
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    const y = identity(h);
    assert.notEqual(y, h);
    assert.equal(h.gradFn?.name, 'mul', "the input's own node is untouched");
    y.sum().backward();
    assertClose(x.grad!, [2, 2]);
  });

  it('notices a saved tensor modified in place before backward', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = Cube.apply(x);
    noGrad(() => x.mul_(2));
    assert.throws(() => y.sum().backward(), /saved by 'Cube' was modified by an in-place operation/);
  });

  it('names the function when backward returns the wrong number or shape of gradients', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const tooMany = customFunction({
      name: 'TooMany',
      forward(_ctx, t: Tensor) {
        return t.mul(2);
      },
      backward(_ctx, dy) {
        return [dy, dy];
      },
    });
    assert.throws(
      () => tooMany(x).sum().backward(),
      /TooMany\.backward returned 2 gradients, but forward took 1 argument/,
    );
    const wrongShape = customFunction({
      name: 'WrongShape',
      forward(_ctx, t: Tensor) {
        return t.mul(2);
      },
      backward(_ctx, dy) {
        return dy.sum().reshape(1, 1).expand(2, 2);
      },
    });
    assert.throws(
      () => wrongShape(x).sum().backward(),
      /WrongShape\.backward returned a gradient of shape \[2, 2\] for argument 0 of shape \[3\]/,
    );
    const numberGrad = customFunction({
      name: 'NumberGrad',
      forward(_ctx, t: Tensor, k: number) {
        return t.mul(k);
      },
      backward(_ctx, dy) {
        return [dy, dy];
      },
    });
    assert.throws(
      () => numberGrad(x, 2).sum().backward(),
      /NumberGrad\.backward returned a gradient for argument 1, which is not a Tensor/,
    );
    const badForward = customFunction({
      name: 'BadForward',
      forward(_ctx, _t: Tensor) {
        return [1] as unknown as Tensor;
      },
      backward(_ctx, dy) {
        return dy;
      },
    });
    assert.throws(() => badForward(x), /BadForward\.forward returned a non-Tensor at output 0/);
  });

  it('a gradient that broadcasts from the input shape is summed back, as in PyTorch', () => {
    const bias = tensor([1, 2], { requiresGrad: true });
    const addRows = customFunction({
      name: 'AddRows',
      forward(_ctx, x: Tensor, b: Tensor) {
        return x.add(b);
      },
      backward(_ctx, dy) {
        return [dy, dy]; // dy is [3, 2] for the [2] bias
      },
    });
    addRows(randn([3, 2]), bias)
      .sum()
      .backward();
    assertClose(bias.grad!, [3, 3]);
  });
});
