import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { noGrad, PlasticityMonitor, stack } from 'nabla';
import { loadCheckpoint, type TrainConfig } from '../../src/cli/checkpoint.js';
import { loadData } from '../../src/cli/data-source.js';
import { PLASTICITY_FILES } from '../../src/cli/report.js';
import { train } from '../../src/cli/train-command.js';
import { splitIndices, type EpochRecord } from '../../src/cli/trainer.js';
import { openModel } from '../../src/cli/use-commands.js';

const work = mkdtempSync(join(tmpdir(), 'nabla-plasticity-'));
after(() => rmSync(work, { recursive: true, force: true }));
const quiet = { print: () => {} };
/** Bundled Iris, two hidden layers (16 and 8 units): 108 train / 12 validation / 30 test samples. */
const IRIS: Partial<TrainConfig> = { data: 'iris', model: 'mlp:4-16-8-3', batchSize: 16, lr: 0.02, patience: 0 };
const WIDTHS = [16, 8];
const VAL_SAMPLES = 12;
const history = (dir: string): EpochRecord[] =>
  (JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8')) as { history: EpochRecord[] }).history;
const weights = (dir: string): Buffer => readFileSync(join(dir, 'weights.safetensors'));

test('train --plasticity records sane diagnostics per hidden layer, equal to PlasticityMonitor on the saved model', async () => {
  const out = join(work, 'measured');
  const r = await train({ ...IRIS, epochs: 6, plasticity: true, out }, quiet);
  const records = history(out);
  assert.equal(records.length, 6);
  for (const { epoch, plasticity: p } of records) {
    assert.ok(p, `epoch ${epoch} has diagnostics`);
    assert.equal(p.deadFraction.length, 2);
    p.deadFraction.forEach((d, i) => {
      assert.ok(d >= 0 && d <= 1, `epoch ${epoch} layer ${i}: dead fraction ${d}`);
      assert.equal(Math.round(d * WIDTHS[i]), d * WIDTHS[i], 'a whole number of dead units');
    });
    p.effectiveRank.forEach((e, i) => {
      const most = Math.min(VAL_SAMPLES, WIDTHS[i]);
      assert.ok(e >= 1 && e <= most + 1e-9, `epoch ${epoch} layer ${i}: effective rank ${e} outside [1, ${most}]`);
      assert.ok(p.stableRank[i] >= 1 - 1e-9 && p.stableRank[i] <= most + 1e-9, `stable rank ${p.stableRank[i]}`);
    });
    assert.ok(p.meanAbsWeight > 0 && p.meanAbsWeight < 10, `mean |w| ${p.meanAbsWeight}`);
  }
  // Measured each epoch, not once: the weights move and the numbers with them.
  assert.notEqual(records[0].plasticity?.meanAbsWeight, records[5].plasticity?.meanAbsWeight);
  assert.notDeepEqual(records[0].plasticity?.effectiveRank, records[5].plasticity?.effectiveRank);

  // The probe rebuilt independently: the run's validation rows (the seeded split), prepared as the saved model says.
  const m = openModel(out);
  const src = loadData('iris', { preprocessing: m.pre });
  const val = splitIndices(src.train.length, 0.1, 0.2, 0).val;
  assert.equal(val.length, VAL_SAMPLES);
  const probe = noGrad(() => stack(Array.from(val, (i) => src.train.getItem(i)[0])));
  const want = new PlasticityMonitor(m.model, { probe }).measure();
  const last = records[5].plasticity;
  assert.ok(last);
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: recorded ${a}, monitor ${b}`);
  want.deadFraction.forEach((v, i) => close(last.deadFraction[i], v, `dead fraction ${i}`));
  want.effectiveRank.forEach((v, i) => close(last.effectiveRank[i], v, `effective rank ${i}`));
  want.stableRank.forEach((v, i) => close(last.stableRank[i], v, `stable rank ${i}`));
  const w = Object.values(want.meanAbsWeight);
  assert.equal(w.length, 3);
  close(last.meanAbsWeight, w.reduce((a, b) => a + b, 0) / w.length, 'mean |w|');

  // The report: four more charts next to the loss, and the diagnostics in the epoch table.
  const report = join(out, 'report');
  const html = readFileSync(r.reportPath, 'utf8');
  for (const file of Object.values(PLASTICITY_FILES)) {
    const svg = readFileSync(join(report, file), 'utf8');
    assert.match(svg, /^<svg/, file);
    assert.ok(html.includes(svg), `${file} is inline in report.html`);
  }
  for (const title of ['dead units (%)', 'effective rank', 'stable rank', 'mean |weight|'])
    assert.ok(html.includes(`>${title}</text>`), `chart '${title}' in report.html`);
  assert.match(readFileSync(join(report, 'effective-rank.svg'), 'utf8'), /hidden 1[\s\S]*hidden 2/);
  assert.match(html, /<th>dead units %<\/th><th>effective rank<\/th><th>stable rank<\/th><th>mean \|w\|<\/th>/);
  assert.ok(
    html.includes(`<td>${last.effectiveRank.map((v) => v.toFixed(2)).join(' / ')}</td>`),
    'epoch 6 row holds both layers',
  );
  assert.match(
    html,
    /plasticity probe<\/th><td>12 validation samples, measured after each epoch; hidden layers of 16, 8 units/,
  );
  assert.doesNotMatch(html, /<script|src="http/, 'report is self-contained');

  // The probe only reads the model: the same run without it ends at the same weights, with the old report.
  const plain = join(work, 'plain');
  await train({ ...IRIS, epochs: 6, out: plain }, quiet);
  assert.ok(weights(plain).equals(weights(out)), '--plasticity changed the training');
  assert.equal(
    history(plain).some((rec) => 'plasticity' in rec),
    false,
  );
  assert.deepEqual(readdirSync(join(plain, 'report')).sort(), ['accuracy.svg', 'loss.svg', 'report.html']);
  const plainHtml = readFileSync(join(plain, 'report', 'report.html'), 'utf8');
  assert.doesNotMatch(plainHtml, /dead units|effective rank|plasticity/);
  assert.equal('plasticity' in loadCheckpoint(plain).config, false, 'the config of a run without it is unchanged');
});

test('train --plasticity --resume ends at the weights and diagnostics of an uninterrupted run', async () => {
  const whole = join(work, 'measured'); // the 6 epochs of the test above
  const part = join(work, 'part');
  await train({ ...IRIS, epochs: 3, plasticity: true, out: part }, quiet);
  assert.equal(loadCheckpoint(part).config.plasticity, true);
  // Given again on resume it is the run's own option: accepted.
  await train({ epochs: 6, plasticity: true }, { resume: part, ...quiet });
  assert.ok(weights(part).equals(weights(whole)), 'weights differ between the resumed and the uninterrupted run');
  assert.deepEqual(
    history(part).map((r) => r.plasticity),
    history(whole).map((r) => r.plasticity),
  );
  assert.ok(existsSync(join(part, 'report', 'dead-units.svg')));
});

test('--plasticity on a model without hidden layers, or added on --resume, is a clear error that writes nothing', async () => {
  const out = join(work, 'never');
  await assert.rejects(
    train({ ...IRIS, model: 'mlp:4-3', epochs: 1, plasticity: true, out }, quiet),
    /--plasticity measures feed-forward stacks .*; --model mlp:4-3: .*has no hidden layer/,
  );
  assert.equal(existsSync(out), false);
  await assert.rejects(
    train({ ...IRIS, epochs: 1, plasticity: 'yes' as unknown as boolean, out }, quiet),
    /--plasticity takes no value \(it is on or off\), got "yes"/,
  );
  const plain = join(work, 'plain');
  const before = readFileSync(join(plain, 'checkpoint', 'checkpoint.json'));
  await assert.rejects(
    train({ epochs: 7, plasticity: true }, { resume: plain, ...quiet }),
    /--plasticity: the run in '.*plain' was trained without it, and a resumed run keeps its options; start a new run with --plasticity/,
  );
  assert.ok(readFileSync(join(plain, 'checkpoint', 'checkpoint.json')).equals(before), 'checkpoint untouched');
});

test('nabla train --plasticity from the command line: diagnostics per epoch; --resume --plasticity on a plain run fails', () => {
  const TSX = import.meta.resolve('tsx');
  const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const nabla = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--conditions=nabla-source', '--import', TSX, MAIN, ...args], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = nabla('train', '--data', 'iris', '--epochs', '2', '--plasticity', '--out', 'cli-run');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^epoch 2\/2 .* dead \d+\.\d% {2}eff_rank \d+\.\d$/m);
  assert.ok(existsSync(join(work, 'cli-run', 'report', 'effective-rank.svg')));
  const bad = nabla('train', '--resume', 'plain', '--epochs', '7', '--plasticity');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /nabla: --plasticity: the run in 'plain' was trained without it/);
});
