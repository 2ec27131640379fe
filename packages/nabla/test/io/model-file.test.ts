import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { io, manualSeed, nn, noGrad, randn, tensor, type Tensor } from '../../src/index.js';
import { lenet5, resnet8 } from '../../src/models/index.js';
import { loadModel, loadSafetensors, saveModel, writeFileAtomic } from '../../src/node.js';
import { assertClose } from '../helpers.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/safetensors.json', import.meta.url), 'utf8')) as {
  mlp: { spec: io.ModelSpec; input: number[][]; logits: number[][] };
  conv: { spec: io.ModelSpec; input: number[][][][]; logits: number[][] };
};
const work = mkdtempSync(join(tmpdir(), 'nabla-io-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('weights written by PyTorch load into the same architecture and reproduce its logits within 1e-5', () => {
  const model = io.buildModel(fixture.mlp.spec);
  const { tensors, metadata } = loadSafetensors(fileURLPath('../fixtures/torch_mlp.safetensors'));
  assert.equal(metadata.format, 'pt');
  model.loadStateDict(tensors);
  const logits = noGrad(() => model.forward(tensor(fixture.mlp.input)));
  assertClose(logits, fixture.mlp.logits, { rtol: 1e-5, atol: 1e-5 });
});

test('a PyTorch conv net with batch-norm running statistics (and its int64 counter) loads and matches within 1e-5', () => {
  const model = io.buildModel(fixture.conv.spec).eval();
  model.loadStateDict(loadSafetensors(fileURLPath('../fixtures/torch_conv.safetensors')).tensors);
  assert.equal(model.stateDict()['1.num_batches_tracked'].item(), 3);
  const logits = noGrad(() => model.forward(tensor(fixture.conv.input)));
  assertClose(logits, fixture.conv.logits, { rtol: 1e-5, atol: 1e-5 });
});

test('model specs round-trip through JSON for every built-in layer and the zoo', () => {
  manualSeed(0);
  const models: nn.Module[] = [
    io.buildModel(io.parseMlpSpec('mlp:12-8-4')),
    lenet5({ numClasses: 7 }),
    resnet8({ numClasses: 3, inChannels: 2 }),
    new nn.Sequential(
      new nn.BatchNorm1d(4, { momentum: null }),
      new nn.GELU({ approximate: 'tanh' }),
      new nn.Softplus(2, 10),
      new nn.Hardtanh(-2, 2),
      new nn.Dropout(0.25),
      new nn.Softmax(1),
      new nn.AdaptiveAvgPool2d([1, null]),
      new nn.Linear(3, 2, { bias: false }),
    ),
  ];
  for (const m of models) {
    const spec = io.describeModel(m);
    const rebuilt = io.buildModel(JSON.parse(JSON.stringify(spec)) as io.ModelSpec);
    assert.deepEqual(io.describeModel(rebuilt), spec);
    assert.equal(rebuilt.toString(), m.toString());
    assert.deepEqual(Object.keys(rebuilt.stateDict()), Object.keys(m.stateDict()));
  }
});

test('a saved model directory loads back with identical outputs, info and metadata', () => {
  manualSeed(1);
  const model = resnet8({ numClasses: 4, inChannels: 1 });
  noGrad(() => model.forward(randn([2, 1, 8, 8]))); // moves the batch-norm running statistics
  model.eval();
  const dir = join(work, 'resnet');
  const info = { inputShape: [1, 8, 8], classes: ['a', 'b', 'c', 'd'] };
  saveModel(dir, model, info, { epochs: 3 });
  assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'training.json', 'weights.safetensors']);
  const loaded = loadModel(dir);
  assert.equal(loaded.model.training, false);
  assert.deepEqual(loaded.info.classes, info.classes);
  assert.deepEqual(loaded.metadata, { epochs: 3 });
  const x = randn([3, 1, 8, 8]);
  const [a, b] = noGrad(() => [model.forward(x), loaded.model.forward(x)]);
  assert.deepEqual(Array.from(b.toTypedArray()), Array.from(a.toTypedArray()));
});

test('broken model directories fail naming the file and the problem', () => {
  const dir = join(work, 'broken');
  saveModel(dir, new nn.Sequential(new nn.Linear(2, 2)));
  writeFileSync(join(dir, 'model.json'), '{"format": "nabla-model", "architecture": {"type": "Nope"}}');
  assert.throws(() => loadModel(dir), /loading model from '.*broken': buildModel: unknown layer type 'Nope'/);
  writeFileSync(join(dir, 'model.json'), '{not json');
  assert.throws(() => loadModel(dir), /model\.json is not valid JSON/);
  const spec = io.describeModel(new nn.Sequential(new nn.Linear(2, 3)));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'nabla-model', architecture: spec }));
  assert.throws(() => loadModel(dir), /'0\.weight' has shape \[2, 2\] in the state dict but \[3, 2\] in the model/);
  assert.throws(() => loadModel(join(work, 'missing')), /cannot read model directory/);
});

test('writeFileAtomic replaces a file whole and leaves no temporary file', () => {
  const path = join(work, 'atomic.bin');
  writeFileAtomic(path, 'old contents');
  writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  assert.deepEqual(
    readdirSync(work).filter((f) => f.startsWith('atomic')),
    ['atomic.bin'],
  );
  assert.throws(() => writeFileAtomic(join(work, 'no-such-dir', 'x'), 'x'), /ENOENT/);
  assert.equal(
    readdirSync(work).some((f) => f.includes('.tmp-')),
    false,
  );
});

test('packState/unpackState keep tensors, NaN and infinities (optimizer and RNG state)', () => {
  const t: Tensor = randn([2, 2]);
  const state = {
    step: 3,
    buf: { '0': { expAvg: t } },
    rng: [1, 2, Number.NaN],
    best: Infinity,
    lrs: [0.1, -Infinity],
  };
  const packed = io.packState(state);
  const json = JSON.parse(JSON.stringify(packed.json)) as unknown;
  const bytes = io.encodeSafetensors(packed.tensors);
  const back = io.unpackState(json, io.decodeSafetensors(bytes).tensors) as typeof state;
  assert.deepEqual(back.buf['0'].expAvg.toArray(), t.toArray());
  assert.ok(Number.isNaN(back.rng[2]));
  assert.equal(back.best, Infinity);
  assert.deepEqual(back.lrs, [0.1, -Infinity]);
});

function fileURLPath(rel: string): string {
  return new URL(rel, import.meta.url).pathname;
}
