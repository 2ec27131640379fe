import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { io, manualSeed, nn, noGrad, randn, tensor, type Tensor } from '../../src/index.js';
import { lenet5, resnet8 } from '../../src/models/index.js';
import { loadModel, loadSafetensors, makeDirectory, saveModel, writeFileAtomic } from '../../src/node.js';
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

test('model.json records the SHA-256 of the weights; changed weight bytes are refused, naming the file', () => {
  const dir = join(work, 'hashed');
  manualSeed(2);
  saveModel(dir, new nn.Sequential(new nn.Linear(4, 3)), { inputShape: [4], classes: ['a', 'b', 'c'] });
  const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsSha256: string };
  const weights = readFileSync(join(dir, 'weights.safetensors'));
  assert.equal(doc.weightsSha256, createHash('sha256').update(weights).digest('hex'));
  // Overwrite data bytes, header intact: still a valid safetensors file, but not the saved weights.
  weights.fill(0x7f, weights.length - 8);
  writeFileSync(join(dir, 'weights.safetensors'), weights);
  assert.throws(
    () => loadModel(dir),
    /weights\.safetensors: its SHA-256 is [0-9a-f]{64} but model\.json records [0-9a-f]{64} \("weightsSha256"\)/,
  );
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...doc, weightsSha256: 'abc' }));
  assert.throws(() => loadModel(dir), /"weightsSha256" must be 64 lowercase hex digits/);
});

test('weights with NaN or infinities are refused, naming the tensor', () => {
  const dir = join(work, 'nan');
  const model = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 2));
  noGrad(() => model.stateDict()['2.bias'].fill_(Number.NaN));
  saveModel(dir, model);
  assert.throws(
    () => loadModel(dir),
    /weights\.safetensors: tensor '2\.bias' has 2 non-finite values \(NaN or ±Infinity\)/,
  );
  noGrad(() => model.stateDict()['2.bias'].fill_(0));
  noGrad(() => model.stateDict()['0.weight'].fill_(-Infinity));
  saveModel(dir, model);
  assert.throws(() => loadModel(dir), /tensor '0\.weight' has 4 non-finite values/);
});

test('model.json must fit the weights: class count, input shape and field types, each error naming the field', () => {
  const dir = join(work, 'edited');
  saveModel(dir, new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 3)), {
    inputShape: [4],
    classes: ['a', 'b', 'c'],
  });
  const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const edit = (change: Record<string, unknown>) =>
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...doc, ...change }));
  edit({ classes: ['a', 'b'] });
  assert.throws(() => loadModel(dir), /model\.json: "classes" has 2 names but the model has 3 outputs/);
  edit({ inputShape: [5] });
  assert.throws(() => loadModel(dir), /model\.json: "inputShape" \[5\] does not fit the architecture: /);
  edit({ inputShape: [2, 2] }); // Flatten makes 4 features of a 2x2 sample: fits
  assert.equal(loadModel(dir).info.inputShape?.length, 2);
  edit({ inputShape: [4, -1] });
  assert.throws(() => loadModel(dir), /"inputShape" must be an array of positive integers, got \[4,-1\]/);
  edit({ classes: ['a', 'b', 'a'] });
  assert.throws(() => loadModel(dir), /"classes" names "a" twice/);
  edit({ classes: 'abc' });
  assert.throws(() => loadModel(dir), /"classes" must be an array of strings/);
  edit({ preprocessing: 3 });
  assert.throws(() => loadModel(dir), /"preprocessing" must be an object/);
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

test('makeDirectory creates missing levels and fails fast, naming the level, where a level cannot be made', () => {
  makeDirectory(join(work, 'a', 'b', 'c'));
  makeDirectory(join(work, 'a', 'b', 'c')); // already there: nothing to do
  assert.ok(statSync(join(work, 'a', 'b', 'c')).isDirectory());
  writeFileSync(join(work, 'plain-file'), 'x');
  assert.throws(() => makeDirectory(join(work, 'plain-file', 'sub')), /'.*plain-file' is not a directory/);
  // Node's recursive mkdirSync never returns here; makeDirectory reports ENOENT at once.
  if (existsSync('/proc/self'))
    assert.throws(() => makeDirectory('/proc/nabla-nope/x'), /cannot create directory '\/proc\/nabla-nope': ENOENT/);
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
