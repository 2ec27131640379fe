import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { train } from '../../src/cli/train-command.js';
import { evalModel, openModel, readInputs } from '../../src/cli/use-commands.js';
import { bundledCli } from './cli-bundle.js';

const work = mkdtempSync(join(tmpdir(), 'nabla-use-commands-'));
const DATA = join(work, 'three.csv');
const MODEL = join(work, 'model');
let cli: Awaited<ReturnType<typeof bundledCli>>;

before(async () => {
  // Three classes of two features, one epoch: a model directory as nabla train writes it.
  const rows = Array.from({ length: 45 }, (_, i) => {
    const [a, b] = [(i * 7) % 13, (i * 5) % 11];
    return `${a},${b},${['low', 'mid', 'high'][i % 3]}`;
  });
  writeFileSync(DATA, `a,b,label\n${rows.join('\n')}\n`);
  await train({ data: DATA, epochs: 1, batchSize: 8, patience: 0, out: MODEL }, { print: () => {} });
  cli = await bundledCli();
});
after(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(cli.dir, { recursive: true, force: true });
});

/** The parts of model.json these tests edit. */
interface ModelJson {
  classes: string[];
  inputShape: number[];
  preprocessing: { kind: string; columns: string[]; classes: string[]; mean: number[]; std: number[] };
  weightsSha256: string;
}

/** A copy of the trained model directory with model.json changed by `edit`. */
function edited(name: string, edit: (doc: ModelJson) => unknown): string {
  const dir = join(work, name);
  cpSync(MODEL, dir, { recursive: true });
  const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
  edit(doc);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(doc));
  return dir;
}

test('model.json edited against its weights fails when opened, naming the field, in eval and predict alike', () => {
  const cases: [string, (doc: ModelJson) => unknown, RegExp][] = [
    ['two-classes', (d) => d.classes.pop(), /model\.json: "classes" has 2 names but the model has 3 outputs/],
    [
      'short-mean',
      (d) => d.preprocessing.mean.pop(),
      /model\.json: "preprocessing\.mean" has 1 values but inputShape \[2\] has 2 features/,
    ],
    ['std-zero', (d) => (d.preprocessing.std[0] = 0), /"preprocessing\.std" must be positive/],
    [
      'renamed-class',
      (d) => (d.preprocessing.classes[0] = 'x'),
      /"preprocessing\.classes" must list the same classes as "classes"/,
    ],
    [
      'columns',
      (d) => d.preprocessing.columns.push('c'),
      /"inputShape" is \[2\] but "preprocessing\.columns" names 3 columns/,
    ],
    [
      'no-kind',
      (d) => (d.preprocessing.kind = 'zscore'),
      /"preprocessing\.kind" must be "standardize" or "image", got "zscore"/,
    ],
    ['input-shape', (d) => (d.inputShape = [5]), /model\.json: "inputShape" \[5\] does not fit the architecture/],
  ];
  for (const [name, edit, message] of cases) {
    const dir = edited(name, edit);
    assert.throws(() => openModel(dir), message, name);
    assert.throws(() => evalModel(dir), message, name);
  }
  // The unedited directory opens and predicts CSV rows.
  const m = openModel(MODEL);
  assert.equal(readInputs(DATA, m.pre).x.shape[0], 45);
});

test('weights changed after saving, or holding NaN, are refused by name', () => {
  const dir = join(work, 'overwritten');
  cpSync(MODEL, dir, { recursive: true });
  const weights = readFileSync(join(dir, 'weights.safetensors'));
  weights.fill(0xff, weights.length - 12); // data bytes: NaN patterns; the header is intact
  writeFileSync(join(dir, 'weights.safetensors'), weights);
  assert.throws(
    () => openModel(dir),
    /weights\.safetensors: its SHA-256 is [0-9a-f]+ but model\.json records [0-9a-f]+/,
  );
  // The same bytes with the hash updated (a tool rewrote both): the NaN values are named.
  const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
  doc.weightsSha256 = createHash('sha256').update(weights).digest('hex');
  writeFileSync(join(dir, 'model.json'), JSON.stringify(doc));
  assert.throws(() => openModel(dir), /weights\.safetensors: tensor '\d\.(weight|bias)' has 3 non-finite values/);
});

test('the nabla commands exit 1 with that one-line message (eval and predict of a damaged model.json)', () => {
  const dir = edited('cli-two-classes', (d) => d.classes.pop());
  for (const args of [
    ['eval', '--model', dir],
    ['predict', '--model', dir, DATA],
  ]) {
    const r = cli.run(work, args);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      /^nabla: loading model from '.*cli-two-classes': model\.json: "classes" has 2 names but the model has 3 outputs\n$/,
    );
  }
});
