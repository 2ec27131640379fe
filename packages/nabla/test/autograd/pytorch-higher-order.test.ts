/**
 * Second derivatives against PyTorch 1.13 (test/fixtures/higher-order.json, written by
 * scripts/fixtures/gen_higher_order.py), float64 to 1e-5 on every backend: Hessian-vector
 * products of a small MLP (tanh and relu), a WGAN-GP gradient penalty's gradient with respect to
 * the critic's weights, and a MAML inner step's outer gradient. Each is written as a PyTorch user
 * writes it, with grad(..., { createGraph: true }).
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { grad, nn, Tensor } from '../../src/index.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { assertClose } from '../helpers.js';

interface Encoded {
  dtype: 'float64';
  shape: number[];
  data: number[];
}
interface Fixture {
  hvp: {
    activation: 'tanh' | 'relu';
    params: Encoded[];
    x: Encoded;
    target: Encoded;
    v: Encoded[];
    loss: number;
    grads: Encoded[];
    hvp: Encoded[];
  }[];
  wganGp: {
    critic: Encoded[];
    real: Encoded;
    fake: Encoded;
    eps: Encoded;
    lambda: number;
    penalty: number;
    loss: number;
    grads: Encoded[];
  };
  maml: {
    theta: Encoded[];
    xs: Encoded;
    ys: Encoded;
    xq: Encoded;
    yq: Encoded;
    alpha: number;
    outer: number;
    grads: Encoded[];
  };
}

const fx: Fixture = JSON.parse(readFileSync(new URL('../fixtures/higher-order.json', import.meta.url), 'utf8'));
const TOL = { rtol: 1e-5, atol: 1e-5 };

const dec = (e: Encoded): Tensor => Tensor.fromData(Float64Array.from(e.data), e.shape);
const leaf = (e: Encoded): Tensor => dec(e).requiresGrad_();

/** x·W1ᵀ + b1 → act → ·W2ᵀ + b2, with nn.functional.linear as nn.Linear computes it. */
function mlp([w1, b1, w2, b2]: Tensor[], x: Tensor, act: (t: Tensor) => Tensor): Tensor {
  return nn.functional.linear(act(nn.functional.linear(x, w1, b1)), w2, b2);
}

const mse = (a: Tensor, b: Tensor): Tensor => a.sub(b).pow(2).mean();

for (const backend of backendsUnderTest()) {
  describe(`second derivatives match PyTorch (${backend.name} backend)`, () => {
    for (const c of fx.hvp) {
      it(`Hessian-vector product of a ${c.activation} MLP's loss`, () =>
        withBackend(backend, () => {
          const act = c.activation === 'tanh' ? (t: Tensor) => t.tanh() : (t: Tensor) => t.relu();
          const params = c.params.map(leaf);
          const loss = mse(mlp(params, dec(c.x), act), dec(c.target));
          assertClose(loss.item(), c.loss, TOL);
          const grads = grad(loss, params, { createGraph: true }) as Tensor[];
          grads.forEach((g, k) => assertClose(g, dec(c.grads[k]), { ...TOL, message: `gradient ${k}` }));
          const dot = grads.map((g, k) => g.mul(dec(c.v[k])).sum()).reduce((a, b) => a.add(b));
          const hvp = grad(dot, params);
          hvp.forEach((h, k) => assertClose(h!, dec(c.hvp[k]), { ...TOL, message: `Hv of parameter ${k}` }));
        }));
    }

    it("WGAN-GP: the penalised critic loss's gradient with respect to the critic's weights", () =>
      withBackend(backend, () => {
        const c = fx.wganGp;
        const critic = c.critic.map(leaf);
        const [real, fake, eps] = [dec(c.real), dec(c.fake), dec(c.eps)];
        const D = (x: Tensor): Tensor => mlp(critic, x, (t) => t.tanh());
        const xhat = eps.mul(real).add(eps.neg().add(1).mul(fake)).requiresGrad_();
        const [g] = grad(D(xhat).sum(), [xhat], { createGraph: true });
        const penalty = g!.norm(2, 1).sub(1).pow(2).mean();
        assertClose(penalty.item(), c.penalty, TOL);
        const loss = D(fake).mean().sub(D(real).mean()).add(penalty.mul(c.lambda));
        assertClose(loss.item(), c.loss, TOL);
        loss.backward();
        critic.forEach((p, k) => assertClose(p.grad!, dec(c.grads[k]), { ...TOL, message: `critic parameter ${k}` }));
      }));

    it("MAML: the query loss's gradient through one inner SGD step", () =>
      withBackend(backend, () => {
        const c = fx.maml;
        const theta = c.theta.map(leaf);
        const act = (t: Tensor) => t.tanh();
        const inner = mse(mlp(theta, dec(c.xs), act), dec(c.ys));
        const g = grad(inner, theta, { createGraph: true }) as Tensor[];
        const adapted = theta.map((p, k) => p.sub(g[k].mul(c.alpha)));
        const outer = mse(mlp(adapted, dec(c.xq), act), dec(c.yq));
        assertClose(outer.item(), c.outer, TOL);
        const grads = grad(outer, theta);
        grads.forEach((gr, k) => assertClose(gr!, dec(c.grads[k]), { ...TOL, message: `meta-gradient ${k}` }));
      }));
  });
}
