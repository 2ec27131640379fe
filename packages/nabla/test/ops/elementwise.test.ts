import { describe, it } from 'node:test';
import { arange, gradcheck, randn, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

// Reference values printed by torch 1.13: torch.clamp(x, mn, mx).backward(torch.arange(1., 7.)).
describe('clamp with tensor bounds', () => {
  it('matches torch, including min > max and min == max', () => {
    const x = tensor([1, 3, 5, Number.NaN, 2, 4], { requiresGrad: true });
    const mn = tensor([4, 4, 4, 0, 2, 4], { requiresGrad: true });
    const mx = tensor([2, 2, 2, 1, 2, 4], { requiresGrad: true });
    const y = x.clamp(mn, mx);
    assertClose(y, [2, 2, 2, Number.NaN, 2, 4]);
    y.backward(arange(1, 7).float());
    assertClose(x.grad!, [0, 0, 0, 0, 5, 6]);
    assertClose(mn.grad!, [0, 0, 0, 0, 0, 0]);
    assertClose(mx.grad!, [1, 2, 3, 0, 0, 0]);
  });

  it('matches torch with a min tensor only, and with a broadcast bound', () => {
    const x = tensor([-2, 0, 0.5, 1, 3, 5], { requiresGrad: true });
    const mn = tensor([0, 0, 0, 1, 4, 6], { requiresGrad: true });
    const y = x.clamp(mn);
    assertClose(y, [0, 0, 0.5, 1, 4, 6]);
    y.backward(arange(1, 7).float());
    assertClose(x.grad!, [0, 2, 3, 4, 0, 0]);
    assertClose(mn.grad!, [1, 0, 0, 0, 5, 6]);
    const m = tensor([0.5], { requiresGrad: true });
    x.clamp(m).sum().backward();
    assertClose(m.grad!, [2]);
  });

  it('passes gradcheck away from the kinks', () => {
    const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
    const lo = tensor([-0.5, -0.25, -0.75, -1.25], { dtype: 'float64', requiresGrad: true });
    const hi = tensor([[0.6], [0.3], [0.9]], { dtype: 'float64', requiresGrad: true });
    gradcheck((a, b, c) => a.clamp(b, c), [x, lo, hi]);
  });
});
