import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { allocate } from '../../src/tensor/dtype.js';
import { nn, Tensor } from '../../src/index.js';
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

describe('console.log prints the PyTorch text (Node inspect hook)', () => {
  it('tensors, parameters and tensors inside objects', () => {
    const t = Tensor.fromData(new Float32Array([1, 2, 3, 4]), [2, 2]).requiresGrad_();
    assert.equal(inspect(t), 'tensor([[1., 2.],\n        [3., 4.]], requiresGrad=true)');
    assert.equal(inspect(t), String(t));
    assert.match(inspect({ w: t }), /w: tensor\(\[\[1\., 2\.\],\n\s+\[3\., 4\.\]\], requiresGrad=true\)/);
    assert.equal(
      inspect(new nn.Parameter(Tensor.fromData(new Float32Array([0.5]), [1]))),
      'Parameter containing:\ntensor([0.5000], requiresGrad=true)',
    );
  });

  it('a large tensor is summarized as PyTorch does (torch 1.13: print(torch.arange(2000.).reshape(2, 1000)))', () => {
    const big = Tensor.fromData(
      Float32Array.from({ length: 2000 }, (_, i) => i),
      [2, 1000],
    );
    assert.equal(
      inspect(big),
      [
        'tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9700e+02, 9.9800e+02,',
        '         9.9900e+02],',
        '        [1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., 1.9970e+03, 1.9980e+03,',
        '         1.9990e+03]])',
      ].join('\n'),
    );
  });
});
