import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
/** tsx by absolute URL: the CLI runs in a temporary folder with no node_modules. */
const TSX = import.meta.resolve('tsx');
const work = mkdtempSync(join(tmpdir(), 'nabla-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs the real `nabla` entry point (the bin's source, through tsx) and returns its output. The
 * nabla-source condition makes it use the library's sources too, not a possibly stale dist/.
 */
function nabla(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=nabla-source', '--import', TSX, MAIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const IRIS = ['--data', 'iris', '--batch-size', '16', '--lr', '0.01', '--patience', '0'];
const json = (s: string) => JSON.parse(s) as Record<string, unknown>;
/** What `nabla predict --json` said for the first Iris row (compared with ONNX below). */
let firstRowProbabilities: Record<string, number> = {};
const listFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

test('nabla train on bundled Iris writes the model directory, report and checkpoint', () => {
  const r = nabla('train', ...IRIS, '--epochs', '8', '--out', 'full');
  assert.equal(r.code, 0, r.stderr);
  const epochs = r.stdout.split('\n').filter((l) => /^epoch\s+\d+\/8\s+loss \d\.\d{4}\s+acc/.test(l));
  assert.equal(epochs.length, 8, r.stdout);
  assert.match(r.stdout, /samples\/s/);
  const acc = Number(/held-out test accuracy ([\d.]+)%/.exec(r.stdout)?.[1]);
  assert.ok(acc >= 80, `held-out accuracy ${acc}% after 8 epochs on Iris`);
  const files = listFiles(join(work, 'full'));
  for (const f of [
    'model.json',
    'weights.safetensors',
    'training.json',
    'report/loss.svg',
    'report/accuracy.svg',
    'report/report.html',
    'checkpoint/checkpoint.json',
    'checkpoint/optimizer.safetensors',
  ]) {
    assert.ok(files.includes(f), `${f} missing from ${files.join(', ')}`);
  }
  assert.ok(!files.some((f) => f.includes('.tmp-')), 'no temporary files left behind');
  const svg = readFileSync(join(work, 'full', 'report', 'loss.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /validation/);
  const html = readFileSync(join(work, 'full', 'report', 'report.html'), 'utf8');
  assert.match(html, /<svg/);
  assert.doesNotMatch(html, /<script|src="http/, 'report is self-contained');
  const training = json(readFileSync(join(work, 'full', 'training.json'), 'utf8'));
  assert.equal((training.history as unknown[]).length, 8);
  assert.equal(training.testAccuracy, acc / 100);
});

test('nabla eval reproduces the held-out accuracy; predict classifies CSV rows; info counts parameters', () => {
  const training = json(readFileSync(join(work, 'full', 'training.json'), 'utf8'));
  const ev = nabla('eval', '--model', 'full', '--json');
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(json(ev.stdout).accuracy, training.testAccuracy);
  assert.equal(json(ev.stdout).samples, 30);
  const confusion = json(ev.stdout).confusion as number[][];
  assert.equal(
    confusion.flat().reduce((x, y) => x + y),
    30,
    'confusion matrix counts every sample',
  );
  assert.equal(
    confusion.reduce((d, row, i) => d + row[i], 0) / 30,
    training.testAccuracy,
    'its diagonal is the accuracy',
  );

  const rows = readFileSync(join(ROOT, 'data', 'iris.csv'), 'utf8').split('\n');
  writeFileSync(join(work, 'rows.csv'), [rows[0], rows[1], rows[2], rows[148]].join('\n'));
  const pr = nabla('predict', '--model', 'full', '--json', 'rows.csv');
  assert.equal(pr.code, 0, pr.stderr);
  const preds = JSON.parse(pr.stdout) as { class: string; probabilities: Record<string, number> }[];
  firstRowProbabilities = preds[0].probabilities;
  assert.deepEqual(
    preds.map((p) => p.class),
    ['setosa', 'setosa', 'virginica'],
  );
  for (const p of preds) assert.ok(Math.abs(Object.values(p.probabilities).reduce((a, b) => a + b) - 1) < 1e-5);
  const text = nabla('predict', '--model', 'full', 'rows.csv');
  assert.match(text.stdout, /rows\.csv:2: setosa {2}\(setosa \d+\.\d%/);

  const info = nabla('info', 'full', '--json');
  assert.equal(info.code, 0, info.stderr);
  assert.equal(json(info.stdout).parameters, 4 * 64 + 64 + 64 * 3 + 3);
  assert.match(String(json(info.stdout).summary), /Linear\(inFeatures=4, outFeatures=64/);
  // The runtime line names the backend nabla/node chose (native where a BLAS loads) and its threads.
  const runtime = json(info.stdout).runtime as {
    backend: string;
    threads: number;
    blas: { corename: string | null } | null;
  };
  assert.ok(['native', 'wasm', 'js'].includes(runtime.backend), runtime.backend);
  assert.ok(runtime.threads >= 1);
  if (runtime.backend === 'native') assert.ok(runtime.blas, 'native backend reports its BLAS');
  const bare = nabla('info');
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(bare.stdout, new RegExp(`^backend: ${runtime.backend}, \\d+ threads?`));
});

test('nabla export writes ONNX that onnxruntime-node runs to the probabilities nabla predicts', async () => {
  const r = nabla('export', '--model', 'full');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*model\.onnx/);
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(work, 'full', 'model.onnx'));
  const pre = json(readFileSync(join(work, 'full', 'model.json'), 'utf8')).preprocessing as {
    mean: number[];
    std: number[];
  };
  const raw = [5.1, 3.5, 1.4, 0.2]; // first Iris row
  const x = Float32Array.from(raw, (v, i) => (v - pre.mean[i]) / pre.std[i]);
  const out = await session.run({ input: new ort.Tensor('float32', x, [1, 4]) });
  const logits = Array.from(out.logits.data as Float32Array);
  const exp = logits.map((v) => Math.exp(v - Math.max(...logits)));
  const probs = exp.map((v) => v / exp.reduce((a, b) => a + b));
  const want = firstRowProbabilities;
  ['setosa', 'versicolor', 'virginica'].forEach((c, i) =>
    assert.ok(Math.abs(probs[i] - want[c]) < 1e-5, `${c}: onnx ${probs[i]} vs nabla ${want[c]}`),
  );
});

test('nabla train --resume ends at the same weights as an uninterrupted run', () => {
  assert.equal(nabla('train', ...IRIS, '--epochs', '4', '--out', 'part').code, 0);
  const resumed = nabla('train', '--resume', 'part', '--epochs', '8');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming .*part after epoch 4 of 8/);
  assert.equal(resumed.stdout.split('\n').filter((l) => /^epoch\s+\d\/8/.test(l)).length, 4, 'only epochs 5-8 run');
  const a = readFileSync(join(work, 'full', 'weights.safetensors'));
  const b = readFileSync(join(work, 'part', 'weights.safetensors'));
  assert.ok(a.equals(b), 'weights differ between the resumed and the uninterrupted run');
  const history = json(readFileSync(join(work, 'part', 'training.json'), 'utf8')).history as unknown[];
  assert.equal(history.length, 8);
});

test('nabla trains on an image folder (resized, RGB) and predicts a folder of PNGs', () => {
  // Two classes a person can tell apart: a bright left half ("left") or right half ("right").
  const image = (left: boolean, seed: number) => {
    const png = new PNG({ width: 12, height: 10 });
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 12; x++) {
        const v = x < 6 === left ? 200 + ((seed * 7 + x * 3 + y) % 50) : (seed * 5 + x + y * 2) % 40;
        png.data.set([v, v, v, 255], (y * 12 + x) * 4);
      }
    }
    return PNG.sync.write(png);
  };
  for (const cls of ['left', 'right']) {
    mkdirSync(join(work, 'shapes', cls), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(work, 'shapes', cls, `${i}.png`), image(cls === 'left', i));
  }
  mkdirSync(join(work, 'new'));
  writeFileSync(join(work, 'new', 'a.png'), image(true, 99));
  writeFileSync(join(work, 'new', 'b.png'), image(false, 98));
  const r = nabla(
    'train',
    '--data',
    'shapes',
    '--image-size',
    '5x6',
    '--rgb',
    '--epochs',
    '10',
    '--lr',
    '0.01',
    '--batch-size',
    '8',
    '--patience',
    '0',
    '--out',
    'shapes-model',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /data shapes: \d+ train, \d+ validation, 8 test samples, 2 classes/);
  const pr = nabla('predict', '--model', 'shapes-model', '--json', 'new');
  assert.equal(pr.code, 0, pr.stderr);
  const preds = JSON.parse(pr.stdout) as { input: string; class: string }[];
  assert.deepEqual(
    preds.map((p) => [p.input, p.class]),
    [
      ['a.png', 'left'],
      ['b.png', 'right'],
    ],
  );
  const model = json(readFileSync(join(work, 'shapes-model', 'model.json'), 'utf8'));
  assert.deepEqual(model.inputShape, [3, 5, 6]);
});

test('nabla train with no arguments trains on the bundled digits and prints held-out accuracy', () => {
  const t0 = performance.now();
  const r = nabla('train');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /data digits: \d+ train, \d+ validation, 359 test samples, 10 classes/);
  const acc = Number(/held-out test accuracy ([\d.]+)%/.exec(r.stdout)?.[1]);
  assert.ok(acc >= 93, `held-out accuracy ${acc}% on the 8x8 digits`);
  assert.ok(existsSync(join(work, 'runs', 'latest', 'weights.safetensors')));
  assert.ok(performance.now() - t0 < 60_000, 'well under a minute');
});

test('nabla reports bad arguments with a clear message and exit code 1', () => {
  const noData = nabla('train', '--data', 'nope.csv');
  assert.equal(noData.code, 1);
  assert.match(noData.stderr, /--data 'nope\.csv': no such file or folder/);
  const badModel = nabla('train', '--data', 'iris', '--model', 'mlp:5-3', '--out', 'bad');
  assert.equal(badModel.code, 1);
  assert.match(badModel.stderr, /the data has 4 input features/);
  const badLr = nabla('train', '--lr', 'fast');
  assert.notEqual(badLr.code, 0);
  assert.match(badLr.stderr, /expected a number/);
  assert.equal(existsSync(join(work, 'bad')), false, 'nothing written for a failed run');
  const help = nabla('--help');
  for (const cmd of ['train', 'eval', 'predict', 'info', 'serve'])
    assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
});
