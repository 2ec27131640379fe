// io/pytorch.ts: the PyTorch project (model.py + weights) reproduces nabla's logits in PyTorch,
// weights survive nabla → PyTorch → nabla bit for bit, and bad checkpoints are named clearly.
// The PyTorch half runs Debian's torch through /usr/bin/python3 and is skipped without it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { io, manualSeed, nn, noGrad, optim, randn, tensor, type Tensor } from '../../src/index.js';
import { writeModelFiles } from '../../src/node.js';

const PYTHON = '/usr/bin/python3';
const torchMissing =
  spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0
    ? false
    : `PyTorch is not installed (${PYTHON} -c 'import torch' failed; scripts/install-pytorch.sh installs it)`;

const root = mkdtempSync(join(tmpdir(), 'nabla-pytorch-'));
after(() => rmSync(root, { recursive: true, force: true }));

function python(script: string, cwd: string): string {
  const r = spawnSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  return r.stdout;
}

/** Models of every kind the export handles, with BatchNorm running statistics moved off their defaults. */
function models(): { name: string; model: nn.Module; input: number[] }[] {
  manualSeed(7);
  const list = [
    { name: 'mlp', model: io.buildModel(io.parseMlpSpec('mlp:20-32-16-5')), input: [20] },
    { name: 'lenet5', model: io.buildModel(io.zooSpec('lenet5', 10, 1)), input: [1, 28, 28] },
    { name: 'resnet8', model: io.buildModel(io.zooSpec('resnet8', 10, 3)), input: [3, 16, 16] },
    { name: 'resnet20', model: io.buildModel(io.zooSpec('resnet20', 4, 1)), input: [1, 12, 12] },
    {
      name: 'layers',
      model: new nn.Sequential(
        new nn.Conv2d(2, 4, 3, { padding: 'same', bias: false }),
        new nn.BatchNorm2d(4),
        new nn.LeakyReLU(0.2),
        new nn.AvgPool2d(2, { countIncludePad: false }),
        new nn.MaxPool2d(3, { stride: 1, padding: 1 }),
        new nn.AdaptiveAvgPool2d([2, null]),
        new nn.Flatten(),
        new nn.Linear(4 * 2 * 4, 8),
        new nn.GELU({ approximate: 'tanh' }),
        new nn.Dropout(0.3),
        new nn.BatchNorm1d(8, { momentum: null }),
        new nn.ELU(0.5),
        new nn.Softplus(2, 10),
        new nn.Hardtanh(-0.5, 0.5),
        new nn.Linear(8, 3, { bias: false }),
        new nn.LogSoftmax(1),
      ),
      input: [2, 8, 8],
    },
  ];
  noGrad(() => {
    for (const { model, input } of list) {
      model.train();
      model.forward(
        randn([6, ...input])
          .mul(2)
          .add(0.5),
      );
      model.eval();
    }
  });
  return list;
}

describe('toPyTorch', { skip: torchMissing }, () => {
  test('PyTorch loads model.py + weights and reproduces nabla’s logits within 1e-5 (MLP, every zoo model, every layer)', () => {
    const cases = models();
    for (const { name, model, input } of cases) {
      const x = randn([5, ...input]);
      const logits = noGrad(() => model.forward(x));
      writeModelFiles(join(root, name), {
        ...io.toPyTorch(model, { info: { inputShape: input } }),
        'check.safetensors': io.encodeSafetensors({ x, logits }),
      });
    }
    const out = python(
      `
import importlib, json, sys, torch
torch.set_num_threads(1)
result = {}
for name in ${JSON.stringify(cases.map((c) => c.name))}:
    sys.path.insert(0, name)
    for m in ("model", "safetensors_io"):
        sys.modules.pop(m, None)
    model = importlib.import_module("model")
    from safetensors_io import load_file
    check = load_file(f"{name}/check.safetensors")
    with torch.no_grad():
        got = model.load_model()(check["x"])
    result[name] = [(got - check["logits"]).abs().max().item(), list(got.shape)]
    sys.path.pop(0)
print(json.dumps(result))
`,
      root,
    );
    const result = JSON.parse(out) as Record<string, [number, number[]]>;
    for (const { name, model, input } of cases) {
      const [maxDiff, shape] = result[name];
      assert.ok(maxDiff <= 1e-5, `${name}: PyTorch's logits differ from nabla's by ${maxDiff}`);
      assert.deepEqual(shape, noGrad(() => model.forward(randn([5, ...input]))).shape);
    }
  });

  test('nabla → PyTorch → nabla leaves the weights bit-identical (BatchNorm’s int64 counter included)', () => {
    manualSeed(3);
    const model = io.buildModel(io.zooSpec('resnet8', 10, 1));
    noGrad(() => model.forward(randn([4, 1, 12, 12])));
    const dir = join(root, 'roundtrip');
    writeModelFiles(dir, io.toPyTorch(model));
    python(
      `
import torch
from model import load_model
from safetensors_io import save_file
save_file(load_model().state_dict(), "back.safetensors", metadata={"format": "pt"})
`,
      dir,
    );
    const back = io.buildModel(io.zooSpec('resnet8', 10, 1));
    const bytes = new Uint8Array(readFileSync(join(dir, 'back.safetensors')));
    assert.equal(io.safetensorsHeader(bytes).tensors['bn1.num_batches_tracked'].dtype, 'I64');
    io.fromPyTorch(back, bytes, 'back.safetensors');
    const a = model.stateDict();
    const b = back.stateDict();
    for (const key of Object.keys(a))
      assert.deepEqual(b[key].toTypedArray(), a[key].toTypedArray(), `${key} changed on the round trip`);
  });

  test('train.py runs the recipe on tensor data in one process and writes trained.safetensors', () => {
    manualSeed(5);
    const model = io.buildModel(io.parseMlpSpec('mlp:4-8-3'));
    const x = randn([40, 4]);
    const y = x.sum(1).gt(0).int().add(x.select(1, 0).gt(1).int());
    const dir = join(root, 'train');
    writeModelFiles(
      dir,
      io.toPyTorch(model, {
        recipe: {
          optimizer: new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true }),
          batchSize: 8,
          epochs: 3,
          data: { kind: 'tensors', x, y },
          split: { train: Array.from({ length: 30 }, (_, i) => i), test: Array.from({ length: 10 }, (_, i) => 30 + i) },
        },
      }),
    );
    const recipe = JSON.parse(readFileSync(join(dir, 'recipe.json'), 'utf8'));
    assert.deepEqual(recipe.optimizer, {
      name: 'SGD',
      lr: 0.1,
      momentum: 0.9,
      dampening: 0,
      weight_decay: 0,
      nesterov: true,
    });
    const r = spawnSync(PYTHON, ['train.py'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /epoch 3\/3: loss [\d.]+ accuracy/);
    assert.match(r.stdout, /pytorch: test accuracy [\d.]+% \(loss [\d.]+\) on 10 samples/);
    const trained = io.buildModel(io.parseMlpSpec('mlp:4-8-3'));
    const { metadata } = io.fromPyTorch(trained, new Uint8Array(readFileSync(join(dir, 'trained.safetensors'))));
    assert.equal(JSON.parse(metadata.result).testSamples, 10);
    assert.notDeepEqual(trained.stateDict()['1.weight'].toArray(), model.stateDict()['1.weight'].toArray());
  });
});

describe('fromPyTorch checks every key', () => {
  const mlp = () => io.buildModel(io.parseMlpSpec('mlp:4-8-3'));
  const bytesOf = (tensors: Record<string, Tensor>) => io.encodeSafetensors(tensors, { format: 'pt' });

  test('a checkpoint of another architecture names the missing and unexpected keys', () => {
    manualSeed(1);
    const other = io.buildModel(io.zooSpec('lenet5', 3, 1));
    assert.throws(
      () => io.fromPyTorch(mlp(), bytesOf(other.stateDict()), 'lenet.safetensors'),
      /lenet\.safetensors: does not match the model's state_dict \(missing keys: 1\.weight, 1\.bias; unexpected keys: 0\.bias, 0\.weight.*another architecture/,
    );
  });

  test('a missing key is named', () => {
    const sd = mlp().stateDict();
    delete sd['3.bias'];
    assert.throws(() => io.fromPyTorch(mlp(), bytesOf(sd), 'ckpt'), /ckpt: .*missing keys: 3\.bias\b/);
  });

  test('a wrong shape is named', () => {
    const sd = mlp().stateDict();
    sd['3.weight'] = randn([3, 9]);
    assert.throws(
      () => io.fromPyTorch(mlp(), bytesOf(sd), 'ckpt'),
      /'3\.weight' has shape \[3, 9\] but the model's is \[3, 8\]/,
    );
  });

  test('a wrong dtype is named (F64 or I32 for a float32 weight)', () => {
    const sd = mlp().stateDict();
    sd['1.bias'] = sd['1.bias'].double();
    assert.throws(() => io.fromPyTorch(mlp(), bytesOf(sd), 'ckpt'), /'1\.bias' is F64 but the model's is float32/);
    sd['1.bias'] = tensor([1, 2, 3, 4, 5, 6, 7, 8], { dtype: 'int32' });
    assert.throws(() => io.fromPyTorch(mlp(), bytesOf(sd), 'ckpt'), /'1\.bias' is I32 but the model's is float32/);
  });

  test('a DistributedDataParallel state_dict (module. prefix) loads', () => {
    manualSeed(2);
    const src = mlp();
    const sd = Object.fromEntries(Object.entries(src.stateDict()).map(([k, v]) => [`module.${k}`, v]));
    const dst = mlp();
    io.fromPyTorch(dst, bytesOf(sd));
    assert.deepEqual(dst.stateDict()['3.weight'].toArray(), src.stateDict()['3.weight'].toArray());
  });

  test('a layer without a PyTorch translation is named', () => {
    class Custom extends nn.Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    assert.throws(
      () => io.toPyTorch(new Custom(), { spec: { type: 'Custom' } }),
      /no PyTorch translation for layer type 'Custom'/,
    );
  });
});
