import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { io, manualSeed, nn, noGrad, rand, randint, randn, Tensor, where } from '../../src/index.js';
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

/** The tensors of whatever forward returned, in order (as exportOnnx numbers the graph's outputs). */
function tensorsOf(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(tensorsOf);
  return [];
}

const ORT_TYPE = { float32: 'float32', float64: 'float64', int32: 'int32', bool: 'bool' } as const;

/**
 * Exports `model` traced on `example`, then runs the ONNX model in onnxruntime-node on `example`
 * and on `others` (other batch sizes: the batch dimension must stay symbolic) and compares every
 * output with nabla's within 1e-5.
 */
async function checkTraced(
  model: nn.Module,
  example: Tensor[],
  others: Tensor[][] = [],
  options: Partial<io.OnnxExportOptions> = {},
): Promise<Uint8Array> {
  model.eval();
  const bytes = io.exportOnnx(model, { example, ...options });
  const session = await ort.InferenceSession.create(bytes);
  for (const inputs of [example, ...others]) {
    const expected = tensorsOf(noGrad(() => (model.forward as (...a: Tensor[]) => unknown)(...inputs)));
    const feeds = Object.fromEntries(
      inputs.map((x, i) => [
        session.inputNames[i],
        new ort.Tensor(ORT_TYPE[x.dtype], x.toTypedArray() as Float32Array, [...x.shape]),
      ]),
    );
    const result = await session.run(feeds);
    assert.equal(session.outputNames.length, expected.length, 'one ONNX output per returned tensor');
    session.outputNames.forEach((name, k) => {
      assert.deepEqual([...result[name].dims], [...expected[k].shape], `output ${k} shape`);
      assertClose(Array.from(result[name].data as Float32Array), Array.from(expected[k].toTypedArray()), {
        rtol: 1e-5,
        atol: 1e-5,
        message: `output ${k} (batch ${inputs[0].shape[0]})`,
      });
    });
  }
  return bytes;
}

test('traced export: Embedding + LayerNorm + Linear on int32 token ids, batch dimension symbolic', async () => {
  manualSeed(6);
  class Tagger extends nn.Module {
    readonly emb = this.registerModule('emb', new nn.Embedding(20, 8));
    readonly norm = this.registerModule('norm', new nn.LayerNorm(8));
    readonly out = this.registerModule('out', new nn.Linear(8, 5));
    forward(ids: Tensor): Tensor {
      return this.out.forward(this.norm.forward(this.emb.forward(ids)).relu()).logSoftmax(-1);
    }
  }
  const ids = (n: number) => randint(0, 20, [n, 7]);
  await checkTraced(new Tagger(), [ids(3)], [[ids(1)], [ids(6)]]);
});

test('traced export: LSTM and GRU (unrolled over the sequence), every returned tensor is an output', async () => {
  manualSeed(7);
  const lstm = new nn.LSTM(4, 6, { numLayers: 2, batchFirst: true });
  await checkTraced(lstm, [randn([3, 5, 4])], [[randn([1, 5, 4])], [randn([8, 5, 4])]]);
  const gru = new nn.GRU(4, 3, { batchFirst: true, bidirectional: true });
  await checkTraced(gru, [randn([2, 6, 4])], [[randn([5, 6, 4])]]);
  // Sequence-first ([L, N, F]): dimension 0 is time, so the batch cannot be the symbolic N.
  const seqFirst = new nn.GRU(4, 3);
  assert.throws(() => io.exportOnnx(seqFirst, { example: randn([6, 2, 4]) }), /needs dynamicBatch: false/);
  await checkTraced(seqFirst, [randn([6, 2, 4])], [], { dynamicBatch: false });
});

test('traced export: multi-head attention and a Transformer encoder layer', async () => {
  manualSeed(8);
  class SelfAttention extends nn.Module {
    readonly attn = this.registerModule('attn', new nn.MultiheadAttention(8, 2, { batchFirst: true }));
    forward(x: Tensor): Tensor {
      return tensorsOf(this.attn.forward(x, x, x))[0];
    }
  }
  await checkTraced(new SelfAttention(), [randn([2, 5, 8])], [[randn([4, 5, 8])]]);
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
  await checkTraced(layer, [randn([3, 4, 8])], [[randn([1, 4, 8])]]);
});

test('traced export: a custom Module with its own forward (parameters, buffers, constants, slicing, where)', async () => {
  manualSeed(9);
  class Gated extends nn.Module {
    readonly scale = this.registerParameter('scale', new nn.Parameter(randn([6])));
    readonly fc = this.registerModule('fc', new nn.Linear(6, 6));
    constructor() {
      super();
      this.registerBuffer('offset', randn([1, 6]));
    }
    forward(x: Tensor): [Tensor, Tensor] {
      const h = this.fc
        .forward(x)
        .mul(this.scale)
        .add(this.getBuffer('offset') as Tensor);
      const [a, b] = h.chunk(2, 1);
      const gate = a.sigmoid().mul(b.tanh());
      const clipped = gate.clamp(-0.2, 0.3);
      const picked = where(gate.gt(0), clipped, gate.mul(0.5)).sum(1, true);
      picked.mul_(3).add_(1); // in place: the exported graph must see both
      return [picked, h.transpose(0, 1).softmax(0).mean(0)];
    }
  }
  await checkTraced(new Gated(), [randn([4, 6])], [[randn([9, 6])]]);
});

test('traced export: transposed convolution, upsampling and p-norm normalisation', async () => {
  manualSeed(10);
  class Decoder extends nn.Module {
    readonly up = new nn.ConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1 });
    readonly grow = new nn.Upsample({ scaleFactor: 2, mode: 'nearest' });
    readonly conv = new nn.Conv2d(4, 2, 3, { padding: 'same' });
    forward(x: Tensor): Tensor {
      const y = this.conv.forward(this.grow.forward(this.up.forward(x).relu()));
      return nn.functional.normalize(y.flatten(1), 2, 1);
    }
  }
  await checkTraced(new Decoder(), [randn([2, 3, 4, 5])], [[randn([3, 3, 4, 5])]]);
});

test('traced export: more layers (1-d conv/pool, group norm, adaptive pooling, EmbeddingBag, RNN, activations, argmax)', async () => {
  manualSeed(11);
  const layers: [nn.Module, (n: number) => Tensor][] = [
    [new nn.GroupNorm(2, 4), (n) => randn([n, 4, 5])],
    [
      new nn.Sequential(new nn.Conv1d(3, 4, 3, { padding: 1 }), new nn.MaxPool1d(2), new nn.AvgPool1d(2)),
      (n) => randn([n, 3, 12]),
    ],
    [new nn.AdaptiveAvgPool2d(2), (n) => randn([n, 3, 8, 8])],
    [new nn.EmbeddingBag(10, 4, { mode: 'mean' }), (n) => randint(0, 10, [n, 5])],
    [new nn.EmbeddingBag(10, 4, { mode: 'max' }), (n) => randint(0, 10, [n, 5])],
    [new nn.Embedding(10, 4, { paddingIdx: 0 }), (n) => randint(0, 10, [n, 5])],
    [
      new nn.Sequential(
        new nn.PReLU(),
        new nn.Mish(),
        new nn.Hardswish(),
        new nn.GELU({ approximate: 'tanh' }),
        new nn.Softmin(1),
      ),
      (n) => randn([n, 5]),
    ],
    [new nn.RNN(3, 4, { batchFirst: true }), (n) => randn([n, 5, 3])],
    [new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }), (n) => randn([n, 3, 4, 4])],
  ];
  for (const [m, input] of layers) await checkTraced(m, [input(2)], [[input(5)]]);
  class Classify extends nn.Module {
    readonly fc = new nn.Linear(4, 3);
    forward(x: Tensor): [Tensor, Tensor] {
      const logits = this.fc.forward(x);
      return [logits, logits.argmax(1)];
    }
  }
  await checkTraced(new Classify(), [randn([6, 4])], [[randn([2, 4])]]);
});

test('traced export names the op and module it cannot write, and refuses values computed outside the trace', () => {
  class Cumulative extends nn.Module {
    forward(x: Tensor): Tensor {
      return x.cumprod(1);
    }
  }
  assert.throws(
    () => io.exportOnnx(new nn.Sequential(new nn.Linear(2, 2), new Cumulative()), { inputShape: [2] }),
    /no ONNX conversion for op 'cumprod' in module '1' \(Cumulative\)/,
  );
  class ReadsBack extends nn.Module {
    forward(x: Tensor): Tensor {
      return x.add(x.sum().item()); // a number read into JavaScript: a constant to the trace
    }
  }
  assert.throws(
    () => io.exportOnnx(new ReadsBack(), { inputShape: [3] }),
    /'add' in the root module \(ReadsBack\): it reads a tensor of shape \[\] that changes with the input/,
  );
  assert.throws(() => io.exportOnnx(new ReadsBack(), { inputShape: [3], batch: 2 } as never), /unknown option 'batch'/);
  class WritesThroughView extends nn.Module {
    forward(x: Tensor): Tensor {
      const y = x.mul(2);
      y.narrow(1, 0, 1).zero_();
      return y;
    }
  }
  assert.throws(
    () => io.exportOnnx(new WritesThroughView(), { inputShape: [3] }),
    /fill_: an in-place write into a view .* cannot be exported/,
  );
});

test('a registered emitter still stands in for a module while the rest is traced', async () => {
  class Square extends nn.Module {
    forward(x: Tensor): Tensor {
      return x.mul(x);
    }
  }
  io.registerOnnxEmitter((m, x, g) => (m instanceof Square ? g.node('Mul', [x, x]) : null));
  const bytes = await checkTraced(new nn.Sequential(new nn.Linear(3, 2), new Square()), [randn([2, 3])]);
  assert.ok(bytes.length > 0);
});
