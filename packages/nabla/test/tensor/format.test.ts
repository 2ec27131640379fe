import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocate } from '../../src/tensor/dtype.js';
import { Tensor } from '../../src/index.js';
import { fixture, numbers } from './fixture.js';

/** PyTorch's spelling -> nabla's: no `torch.` prefix, camelCase, JS booleans, shapes as lists. */
function nablaSpelling(text: string): string {
  return text
    .replace(/torch\./g, '')
    .replace('requires_grad=True', 'requiresGrad=true')
    .replace(/True/g, 'true')
    .replace(/False/g, 'false')
    .replace(/size=\(([^)]*)\)/, (_, dims: string) => `size=[${dims.replace(/,$/, '')}]`);
}

describe('toString matches what PyTorch prints', () => {
  for (const c of fixture.strings) {
    it(c.name, () => {
      const data = allocate(
        c.dtype,
        c.shape.reduce((a, b) => a * b, 1),
      );
      data.set(numbers(c.values));
      const t = Tensor.fromData(data, c.shape);
      if (c.requiresGrad) t.requiresGrad = true;
      assert.equal(t.toString(), nablaSpelling(c.text));
    });
  }

  it('names the op that made a non-leaf', () => {
    const x = Tensor.fromData(new Float32Array([1, 2]), [2]).requiresGrad_();
    assert.equal(x.mul(2).toString(), 'tensor([2., 4.], gradFn=<mul>)');
  });
});
