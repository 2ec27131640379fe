import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Tensor, type Backend } from '../../src/index.js';
import { conv1d, conv2d, type Conv1dOptions, type Conv2dOptions } from '../../src/ops/conv.js';
import { setColsLimit } from '../../src/ops/conv-gemm.js';
import { convTranspose2d, type ConvTranspose2dOptions } from '../../src/ops/conv-transpose.js';
import { groupNorm, layerNorm } from '../../src/ops/norm.js';
import { interpolate, type InterpolateOptions } from '../../src/ops/upsample.js';
import {
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  maxPool2dWithIndices,
} from '../../src/ops/pool.js';
import { backendsUnderTest, withBackend } from '../backends.js';
import { assertClose } from '../helpers.js';

/** Written by scripts/fixtures/gen_conv.py (PyTorch 1.13, float64). */
export interface Fixed {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  kind?: string;
  options: Record<string, unknown>;
  inputs: (Fixed | null)[];
  out: Fixed;
  dy: Fixed;
  grads: (Fixed | null)[];
  indices?: Fixed;
}
interface LayerNormCase extends Case {
  normalizedShape: number[];
  eps: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/conv.json', import.meta.url), 'utf8')) as {
  conv2d: Case[];
  conv1d: Case[];
  convTranspose2d: Case[];
  interpolate: Case[];
  pool: Case[];
  layernorm: LayerNormCase[];
  groupnorm: (Case & { numGroups: number })[];
};

export function fromFixed(f: Fixed, requiresGrad = false): Tensor {
  const t = Tensor.fromData(Float64Array.from(f.data), f.shape);
  return requiresGrad ? t.requiresGrad_() : t;
}

const tol = { rtol: 1e-9, atol: 1e-10 };

/** Runs `fn` on the case's inputs, backpropagates its dy and compares output and every gradient. */
function check(c: Case, fn: (...xs: (Tensor | null)[]) => Tensor): void {
  const inputs = c.inputs.map((f) => (f ? fromFixed(f, true) : null));
  const out = fn(...inputs);
  assertClose(out, fromFixed(c.out), { ...tol, message: `${c.name} output` });
  out.backward(fromFixed(c.dy));
  inputs.forEach((x, i) => {
    const g = c.grads[i];
    if (x && g) assertClose(x.grad!, fromFixed(g), { ...tol, message: `${c.name} grad of input ${i}` });
  });
}

/** PyTorch's snake_case options as nabla's camelCase ones (pairs stay arrays). */
function camel(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]),
  );
}

type Pair = number | [number, number];

for (const backend of backendsUnderTest() as Backend[]) {
  describe(`conv/pool/norm vs PyTorch fixtures (${backend.name} backend)`, () => {
    const on = (fn: () => void) => () => withBackend(backend, fn);
    for (const c of fixture.conv2d) {
      it(
        `conv2d ${c.name}`,
        on(() => check(c, (x, w, b) => conv2d(x!, w!, b, c.options as Conv2dOptions))),
      );
    }
    for (const c of fixture.conv1d) {
      it(
        `conv1d ${c.name}`,
        on(() => check(c, (x, w, b) => conv1d(x!, w!, b, c.options as Conv1dOptions))),
      );
    }
    for (const c of fixture.convTranspose2d) {
      it(
        `convTranspose2d ${c.name}`,
        on(() => check(c, (x, w, b) => convTranspose2d(x!, w!, b, camel(c.options) as ConvTranspose2dOptions))),
      );
    }
    for (const c of fixture.interpolate) {
      it(
        `interpolate ${c.name}`,
        on(() => check(c, (x) => interpolate(x!, camel(c.options) as InterpolateOptions))),
      );
    }
    for (const c of fixture.pool) {
      it(
        `pool ${c.name}`,
        on(() => {
          // The fixture's options hold the kernel size too; the pool functions take it apart.
          const { kernelSize, ...o } = camel(c.options);
          const k = kernelSize as Pair;
          const run: Record<string, (x: Tensor) => Tensor> = {
            max: (x) => maxPool2d(x, k, o),
            avg: (x) => avgPool2d(x, k, o),
            adaptive: (x) => adaptiveAvgPool2d(x, o.outputSize as number | [number, number]),
            max1d: (x) => maxPool1d(x, k as number, o),
            avg1d: (x) => avgPool1d(x, k as number, o),
          };
          check(c, (x) => run[c.kind!](x!));
          if (c.indices) {
            const { indices } = maxPool2dWithIndices(fromFixed(c.inputs[0]!), k, o);
            assert.equal(indices.dtype, 'int32');
            assert.deepEqual(Array.from(indices.toTypedArray()), c.indices.data);
          }
        }),
      );
    }
    for (const c of fixture.groupnorm) {
      it(
        `groupNorm ${c.name}`,
        on(() => check(c, (x, w, b) => groupNorm(x!, c.numGroups, { weight: w, bias: b }))),
      );
    }
    for (const c of fixture.layernorm) {
      it(
        `layerNorm ${c.name}`,
        on(() => check(c, (x, w, b) => layerNorm(x!, c.normalizedShape, { weight: w, bias: b, eps: c.eps }))),
      );
    }
  });
}

describe('conv2d and convTranspose2d with the batch unfolded one image at a time', () => {
  const chunked = (fn: () => void) => () => {
    const old = setColsLimit(1);
    try {
      fn();
    } finally {
      setColsLimit(old);
    }
  };
  for (const c of fixture.conv2d.filter((c) => c.inputs[0]!.shape[0] > 1)) {
    it(
      `conv2d ${c.name}`,
      chunked(() => check(c, (x, w, b) => conv2d(x!, w!, b, c.options as Conv2dOptions))),
    );
  }
  for (const c of fixture.convTranspose2d.filter((c) => c.inputs[0]!.shape[0] > 1)) {
    it(
      `convTranspose2d ${c.name}`,
      chunked(() => check(c, (x, w, b) => convTranspose2d(x!, w!, b, camel(c.options) as ConvTranspose2dOptions))),
    );
  }
});
