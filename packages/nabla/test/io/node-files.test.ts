import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { io, nn, noGrad, tensor, type Tensor } from '../../src/index.js';
import { loadModel, saveModel, saveSafetensors } from '../../src/node.js';
import { assertClose } from '../helpers.js';

// fixtures/cli-iris-model: written by `nabla train --data iris --epochs 2 --out DIR` (model.json,
// weights.safetensors, training.json; Flatten, Linear, ReLU, Linear).
const cliModel = new URL('../fixtures/cli-iris-model', import.meta.url).pathname;
const root = new URL('../../../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'nabla-node-files-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs `code` as an ES module in a fresh Node that resolves `nabla` like the tests (sources). */
function freshNode(code: string): string {
  return execFileSync(
    process.execPath,
    ['--conditions=nabla-source', '--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NABLA_BACKEND: 'js' } },
  );
}

test('a fresh process importing only nabla/node loads a model directory written by the CLI', () => {
  const { model, info } = loadModel(cliModel);
  const x = tensor([
    [5.1, 3.5, 1.4, 0.2],
    [6.7, 3.1, 4.7, 1.5],
  ]);
  const input = join(work, 'x.safetensors');
  saveSafetensors(input, { x });
  // The child imports nothing but nabla/node: no side-effect import of 'nabla' fills the registry.
  const out = freshNode(`
    import { loadModel, loadSafetensors } from 'nabla/node';
    const { model, info } = loadModel(${JSON.stringify(cliModel)});
    const y = model.forward(loadSafetensors(${JSON.stringify(input)}).tensors.x);
    console.log(JSON.stringify({ repr: model.toString(), classes: info.classes, y: y.toArray() }));
  `);
  const child = JSON.parse(out.trim().split('\n').at(-1) as string) as {
    repr: string;
    classes: string[];
    y: number[][];
  };
  assert.match(child.repr, /Flatten/);
  assert.equal(child.repr, model.toString());
  assert.deepEqual(child.classes, info.classes);
  assertClose(
    child.y,
    noGrad(() => model.forward(x)),
    { rtol: 1e-6, atol: 1e-6 },
  );
});

class Scaled extends nn.Module {
  readonly fc: nn.Linear;
  constructor(readonly width: number) {
    super();
    this.fc = this.registerModule('fc', new nn.Linear(width, 2));
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(x).mul(2);
  }
}

test('saving a custom module class names it and says how to register it; registered, it round-trips', () => {
  const model = new nn.Sequential(new Scaled(3), new nn.ReLU());
  assert.throws(
    () => saveModel(join(work, 'custom'), model),
    /no registered layer type describes Scaled.*io\.registerModuleClass\(Scaled\).*model-files\.md#custom-modules/,
  );
  io.registerModuleClass(Scaled, { options: (m) => ({ width: m.width }), build: (o) => new Scaled(o.width as number) });
  saveModel(join(work, 'custom'), model);
  const loaded = loadModel(join(work, 'custom')).model;
  assert.equal(loaded.toString(), model.toString());
  const x = tensor([[1, 2, 3]]);
  assert.deepEqual(noGrad(() => loaded.forward(x)).toArray(), noGrad(() => model.forward(x)).toArray());
  assert.throws(() => io.registerModuleClass(Scaled, { option: () => ({}) } as never), /unknown option 'option'/);
});
