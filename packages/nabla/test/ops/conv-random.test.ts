import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Tensor, type Backend } from '../../src/index.js';
import { conv2d, type Conv2dOptions } from '../../src/ops/conv.js';
import { convTranspose2d, type ConvTranspose2dOptions } from '../../src/ops/conv-transpose.js';
import { avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from '../../src/ops/pool.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { assertClose } from '../helpers.js';

interface Fixed {
  shape: number[];
  data: number[];
}
/** Random geometries drawn by scripts/fixtures/gen_conv.py; PyTorch 1.13 values in float64. */
interface RandomCase {
  kind: 'conv2d' | 'convTranspose2d' | 'maxPool2d' | 'avgPool2d';
  options: Record<string, unknown>;
  inputs: (Fixed | null)[];
  out: Fixed;
  dy: Fixed;
  grads: (Fixed | null)[];
}
const { cases } = JSON.parse(readFileSync(new URL('../fixtures/conv-random.json', import.meta.url), 'utf8')) as {
  cases: RandomCase[];
};
const fromFixed = (f: Fixed, grad = false): Tensor => {
  const t = Tensor.fromData(Float64Array.from(f.data), f.shape);
  return grad ? t.requiresGrad_() : t;
};

function forward(c: RandomCase, [x, w, b]: (Tensor | null)[]): Tensor {
  const o = c.options;
  switch (c.kind) {
    case 'conv2d':
      return conv2d(x!, w!, b, o as Conv2dOptions);
    case 'convTranspose2d':
      return convTranspose2d(x!, w!, b, o as ConvTranspose2dOptions);
    case 'maxPool2d': {
      const { kernelSize, ...pool } = o; // the kernel size is an argument, the rest options
      return maxPool2d(x!, kernelSize as [number, number], pool as MaxPool2dOptions);
    }
    default: {
      const { kernelSize, ...pool } = o;
      return avgPool2d(x!, kernelSize as [number, number], pool as AvgPool2dOptions);
    }
  }
}

for (const backend of backendsUnderTest() as Backend[]) {
  describe(`${cases.length} random conv/pool geometries vs PyTorch (${backend.name} backend)`, () => {
    for (const kind of ['conv2d', 'convTranspose2d', 'maxPool2d', 'avgPool2d'] as const) {
      const mine = cases.filter((c) => c.kind === kind);
      it(`${kind} (${mine.length} cases): outputs and every gradient`, () =>
        withBackend(backend, () => {
          mine.forEach((c, i) => {
            const at = `${kind} case ${i} ${JSON.stringify(c.options)} input ${JSON.stringify(c.inputs[0]!.shape)}`;
            const inputs = c.inputs.map((f) => (f ? fromFixed(f, true) : null));
            const out = forward(c, inputs);
            assertClose(out, fromFixed(c.out), { rtol: 1e-9, atol: 1e-10, message: `${at} output` });
            out.backward(fromFixed(c.dy));
            inputs.forEach((t, k) => {
              if (t && c.grads[k])
                assertClose(t.grad!, fromFixed(c.grads[k]!), { rtol: 1e-9, atol: 1e-10, message: `${at} grad ${k}` });
            });
          });
        }));
    }
  });
}
