import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { loadCheckpoint, type TrainConfig } from '../../src/cli/checkpoint.js';
import { checkFitsInMemory } from '../../src/cli/memory-budget.js';
import { train } from '../../src/cli/train-command.js';

const work = mkdtempSync(join(tmpdir(), 'nabla-train-command-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A CSV of `rows` (two features, two classes unless `label` says otherwise) under `work`. */
function csv(
  name: string,
  rows = 40,
  label: (a: number, b: number) => string = (a, b) => (a / 13 + b / 11 > 1 ? 'high' : 'low'),
): string {
  const path = join(work, name);
  const lines = Array.from({ length: rows }, (_, i) => {
    const [a, b] = [(i * 7) % 13, (i * 5) % 11];
    return `${a},${b},${label(a, b)}`;
  });
  writeFileSync(path, `a,b,label\n${lines.join('\n')}\n`);
  return path;
}
const DATA = csv('tiny.csv');
const quiet = { print: () => {} };
const run = (config: Partial<TrainConfig>) =>
  train({ data: DATA, batchSize: 8, lr: 0.05, patience: 0, epochs: 1, ...config }, quiet);

test('NaN or infinity in the data is refused when loaded, naming file, line and column; nothing is written', async () => {
  const path = join(work, 'bad.csv');
  writeFileSync(path, 'a,b,label\n1,2,x\n3,4,y\nInfinity,5,x\n6,NaN,y\n');
  const out = join(work, 'bad-run');
  await assert.rejects(
    run({ data: path, out }),
    /bad\.csv: line 4, column 1 \("a"\): found "Infinity", which is not a finite number/,
  );
  writeFileSync(path, 'a,b,label\n1,2,x\n3,4,y\n5,1e999,x\n');
  await assert.rejects(run({ data: path, out }), /line 4, column 2 \("b"\): found "1e999"/);
  assert.equal(existsSync(out), false);
});

test('a loss that becomes NaN stops training with an error and saves nothing; the last good checkpoint stays', async () => {
  const out = join(work, 'diverged');
  await assert.rejects(
    run({ lr: 1e300, epochs: 2, out }),
    /training diverged at epoch 1, batch \d+: the training loss is (NaN|Infinity); stopped without saving a model \(no checkpoint was written\); a smaller --lr than 1e\+300 may help/,
  );
  assert.equal(existsSync(out), false, 'no folder left for a run that saved nothing');
  // A good first epoch, then the run's learning rate raised in its checkpoint: epoch 2 diverges.
  await run({ out });
  const model = readFileSync(join(out, 'model.json'));
  const docPath = join(out, 'checkpoint', 'checkpoint.json');
  const doc = JSON.parse(readFileSync(docPath, 'utf8'));
  doc.config.lr = 1e300;
  for (const group of doc.optimizer.paramGroups) group.lr = 1e300;
  writeFileSync(docPath, JSON.stringify(doc));
  await assert.rejects(
    train({ epochs: 3 }, { resume: out, ...quiet }),
    /training diverged at epoch 2, batch \d+: .*the last good checkpoint, after epoch 1, stays in .*diverged\/checkpoint/,
  );
  assert.equal(loadCheckpoint(out).state.epoch, 1);
  assert.ok(readFileSync(join(out, 'model.json')).equals(model), 'the model directory was not rewritten');
  assert.equal(existsSync(join(out, 'train.lock')), false);
});

test('an --out that cannot be created fails at once, before training, naming the folder', async () => {
  writeFileSync(join(work, 'a-file'), 'x');
  await assert.rejects(
    run({ out: join(work, 'a-file', 'run') }),
    /--out '.*a-file\/run': cannot create directory .*'.*a-file' is not a directory/,
  );
  if (existsSync('/proc/self')) {
    const t0 = performance.now();
    await assert.rejects(
      run({ out: '/proc/nope' }),
      /--out '\/proc\/nope': cannot create directory '\/proc\/nope': ENOENT/,
    );
    assert.ok(performance.now() - t0 < 10_000);
  }
});

test('one-class data, a training split of one class and empty validation or test splits are errors', async () => {
  const out = join(work, 'never');
  await assert.rejects(
    run({ data: csv('one.csv', 10, () => 'x'), out }),
    /--data .*one\.csv has only one class \("x"\); a classifier needs at least two/,
  );
  // Sorted by class: the first 12 rows are all 'low'.
  const sorted = csv('sorted.csv', 40, (a) => (a < 12 ? 'low' : 'high'));
  writeFileSync(
    sorted,
    readFileSync(sorted, 'utf8')
      .split('\n')
      .sort((x, y) => Number(x.includes('high')) - Number(y.includes('high')))
      .join('\n'),
  );
  await assert.rejects(
    run({ data: sorted, limit: 12, out }),
    /every training sample is of class "low" \(the data has 2 classes; --limit 12 keeps only the first samples\)/,
  );
  await assert.rejects(
    run({ valSplit: 0.001, out }),
    /--val-split 0.001 of 32 samples is no sample at all; give 0 for no validation/,
  );
  await assert.rejects(run({ testSplit: 0.001, out }), /--test-split 0.001 of 40 samples is no sample at all/);
  assert.equal(existsSync(out), false);
});

test('--resume --epochs below the epochs done is an error that leaves the run as it was', async () => {
  const out = join(work, 'five');
  await run({ epochs: 3, out });
  const before = readFileSync(join(out, 'checkpoint', 'checkpoint.json'));
  await assert.rejects(
    train({ epochs: 2 }, { resume: out, ...quiet }),
    /--epochs 2: this run has already trained 3 epochs \(--epochs is the epoch to reach, not how many more\); give 3 or more/,
  );
  assert.ok(readFileSync(join(out, 'checkpoint', 'checkpoint.json')).equals(before), 'checkpoint untouched');
  assert.equal(loadCheckpoint(out).config.epochs, 3);
  await assert.rejects(
    train({}, { resume: join(work, 'no-such-run'), ...quiet }),
    /--resume '.*no-such-run': no such folder/,
  );
  assert.equal(existsSync(join(work, 'no-such-run')), false);
  // --resume RUN/checkpoint continues RUN itself.
  await train({ epochs: 4 }, { resume: join(out, 'checkpoint'), ...quiet });
  assert.equal(loadCheckpoint(out).state.epoch, 4);
  assert.equal(existsSync(join(out, 'checkpoint', 'checkpoint')), false);
  assert.equal(existsSync(join(out, 'train.lock')), false);
});

test('sizes beyond a tensor or this machine are "too large", not "Invalid typed array length"', async () => {
  const out = join(work, 'huge');
  await assert.rejects(
    train({ data: 'digits', model: 'mlp:64-100000000-10', out }, quiet),
    /--model mlp:64-100000000-10 is too large: layer 1 \(64 -> 100000000\) has 6,400,000,000 weights, more than one tensor can hold/,
  );
  for (const cls of ['dark', 'light']) {
    mkdirSync(join(work, 'images', cls), { recursive: true });
    for (let i = 0; i < 2; i++) {
      const png = new PNG({ width: 4, height: 4 });
      png.data.fill(cls === 'dark' ? 20 : 230);
      writeFileSync(join(work, 'images', cls, `${i}.png`), PNG.sync.write(png));
    }
  }
  await assert.rejects(
    run({ data: join(work, 'images'), imageSize: [100000, 100000], out }),
    /--image-size 100000 is too large: one 1x100000x100000 image has 10,000,000,000 values, more than one tensor can hold/,
  );
  assert.throws(
    () => checkFitsInMemory('--thing', totalmem() * 2, 'its parts'),
    /--thing is too large: its parts need about [\d.]+ [kMGTP]?B, but this machine has [\d.]+ [kMGTP]?B of memory/,
  );
  assert.equal(existsSync(out), false);
});
