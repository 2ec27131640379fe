import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { io, nn, noGrad, randn, rand, manualSeed, type Tensor } from '../../src/index.js';
import { lenet5, resnet8 } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';

/** Runs the exported bytes in onnxruntime and returns the output as a flat array. */
async function runOnnx(bytes: Uint8Array, x: Tensor): Promise<{ data: number[]; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  const input = new ort.Tensor('float32', x.toTypedArray() as Float32Array, [...x.shape]);
  const result = await session.run({ [session.inputNames[0]]: input });
  const out = result[session.outputNames[0]];
  return { data: Array.from(out.data as Float32Array), dims: out.dims };
}

async function checkExport(model: nn.Module, inputShape: number[], batch = 5): Promise<void> {
  model.eval();
  const x = randn([batch, ...inputShape]);
  const expected = noGrad(() => model.forward(x));
  const bytes = io.exportOnnx(model, { inputShape, outputShape: expected.shape.slice(1) });
  const { data, dims } = await runOnnx(bytes, x);
  assert.deepEqual([...dims], [...expected.shape]);
  assertClose(data, Array.from(expected.toTypedArray()), { rtol: 1e-5, atol: 1e-5 });
}

test('ONNX export of a Linear stack matches nabla in onnxruntime-node within 1e-5', async () => {
  manualSeed(1);
  await checkExport(
    new nn.Sequential(new nn.Linear(4, 8), new nn.Linear(8, 3), new nn.Linear(3, 2, { bias: false })),
    [4],
  );
});

test('ONNX export of every registered spec layer in an MLP matches onnxruntime-node', async () => {
  manualSeed(2);
  const spec: io.ModelSpec = {
    type: 'Sequential',
    layers: [
      { type: 'Flatten' },
      { type: 'Linear', inFeatures: 12, outFeatures: 16 },
      { type: 'ReLU' },
      { type: 'Linear', inFeatures: 16, outFeatures: 8 },
      { type: 'Tanh' },
      { type: 'Linear', inFeatures: 8, outFeatures: 8 },
      { type: 'Sigmoid' },
      { type: 'Dropout', p: 0.5 },
      { type: 'Linear', inFeatures: 8, outFeatures: 8 },
      { type: 'GELU' },
      { type: 'Linear', inFeatures: 8, outFeatures: 8 },
      { type: 'Hardtanh', minVal: -0.5, maxVal: 0.7 },
      { type: 'ReLU6' },
      { type: 'Softplus', beta: 2, threshold: 20 },
      { type: 'LogSigmoid' },
      { type: 'Softplus' },
      { type: 'Linear', inFeatures: 8, outFeatures: 4 },
      { type: 'Softmax', dim: 1 },
    ],
  };
  const model = io.buildModel(spec);
  await checkExport(model, [3, 4], 7);
  assert.deepEqual(
    io.exportOnnx(model, { inputShape: [3, 4] }),
    io.exportOnnx(model, { inputShape: [3, 4] }),
    'same model, same bytes',
  );
});

test('ONNX export of LeNet-5 and more conv/pool/activation layers matches onnxruntime-node', async () => {
  manualSeed(3);
  await checkExport(lenet5({ numClasses: 10 }), [1, 28, 28], 3);
  const spec: io.ModelSpec = {
    type: 'Sequential',
    layers: [
      { type: 'Conv2d', inChannels: 3, outChannels: 4, kernelSize: [3, 2], padding: 'same' },
      { type: 'LeakyReLU', negativeSlope: 0.2 },
      { type: 'Conv2d', inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, dilation: 1, groups: 2 },
      { type: 'ELU', alpha: 0.7 },
      { type: 'AvgPool2d', kernelSize: 2, options: { padding: 1 } },
      { type: 'SiLU' },
      { type: 'MaxPool2d', kernelSize: 2, options: { stride: 1, ceilMode: true } },
      { type: 'Flatten' },
      { type: 'Linear', inFeatures: 6 * 3 * 3, outFeatures: 5 },
      { type: 'LogSoftmax', dim: 1 },
    ],
  };
  await checkExport(io.buildModel(spec), [3, 11, 11], 2);
});

test('ONNX export of ResNet-8 (residual adds, batch norm with running statistics) matches onnxruntime-node', async () => {
  manualSeed(4);
  const model = resnet8({ numClasses: 10, inChannels: 1 });
  // Non-trivial running statistics: a few training-mode passes.
  noGrad(() => {
    for (let i = 0; i < 3; i++) model.forward(rand([4, 1, 12, 12]).mul(3));
  });
  await checkExport(model, [1, 12, 12], 2);
});

test('ONNX export of BatchNorm1d on [N, C] features matches onnxruntime-node', async () => {
  manualSeed(5);
  const model = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.ReLU(), new nn.Linear(6, 3));
  noGrad(() => model.forward(randn([16, 4]).mul(2).add(1))); // training-mode pass: running statistics move
  await checkExport(model, [4], 5);
});

test('ONNX export names the layer it cannot handle', () => {
  class Weird extends nn.Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  assert.throws(
    () => io.exportOnnx(new nn.Sequential(new nn.Linear(2, 2), new Weird()), { inputShape: [2] }),
    /no ONNX emitter for Weird at '1\.'/,
  );
});
