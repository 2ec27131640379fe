import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setBackend } from 'nabla/node';
import { loadCheckpoint, tidyRunFolder } from '../../src/cli/checkpoint.js';
import { train } from '../../src/cli/train-command.js';
import { bundledCli } from './cli-bundle.js';

// The bundled processes run the js kernels (NABLA_BACKEND=js); runs resumed here must use the same
// kernels for their weights to be comparable byte for byte.
setBackend('js');

const work = mkdtempSync(join(tmpdir(), 'nabla-checkpoint-'));
let cli: Awaited<ReturnType<typeof bundledCli>>;
before(async () => {
  cli = await bundledCli();
});
after(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(cli.dir, { recursive: true, force: true });
});

// 40 rows, two features, two classes: an epoch is 5 batches of 8.
const DATA = join(work, 'tiny.csv');
writeFileSync(
  DATA,
  `a,b,label\n${Array.from({ length: 40 }, (_, i) => {
    const [a, b] = [(i * 7) % 13, (i * 5) % 11];
    return `${a},${b},${a / 13 + b / 11 > 1 ? 'high' : 'low'}`;
  }).join('\n')}\n`,
);
const ARGS = ['train', '--data', DATA, '--batch-size', '8', '--lr', '0.05', '--patience', '0'];

const listAll = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

async function resume(dir: string, epochs?: number): Promise<{ text: string; error: Error | null }> {
  const lines: string[] = [];
  try {
    await train(epochs ? { epochs } : {}, { resume: dir, print: (l) => lines.push(l) });
    return { text: lines.join('\n'), error: null };
  } catch (e) {
    return { text: lines.join('\n'), error: e as Error };
  }
}

test('kill -9 after every write, rename and removal of a 2-epoch run: --resume ends byte-identical or refuses clearly; nothing temporary remains', async () => {
  const base = cli.run(work, [...ARGS, '--epochs', '2', '--out', 'base']);
  assert.equal(base.code, 0, base.stderr);
  const want = ['weights.safetensors', 'model.json'].map((f) => readFileSync(join(work, 'base', f)));
  const outcomes: string[] = [];
  const crash = (k: number) =>
    cli.start(work, [...ARGS, '--epochs', '2', '--out', join(work, `crash-${k}`)], {
      NABLA_FAULT_AFTER_WRITES: String(k),
    });
  let k = 0;
  let finished = false;
  // Two crashing runs at a time (they are independent); each is then resumed here, in order.
  for (let first = 1; !finished; first += 2) {
    const runs = await Promise.all([crash(first), crash(first + 1)]);
    for (const [i, r] of runs.entries()) {
      k = first + i;
      const out = join(work, `crash-${k}`);
      if (r.signal === null) {
        assert.equal(r.code, 0, r.stderr); // k is past the run's last write: it finished
        finished = true;
        break;
      }
      assert.equal(r.signal, 'SIGKILL', `write ${k}: ${r.stderr}`);
      const { text, error } = await resume(out);
      assert.match(text, /taking over .*train\.lock: process \d+, which held it, is no longer running/, `write ${k}`);
      if (error) {
        assert.match(
          error.message,
          /--resume '.*': no checkpoint\/ in it: the run was interrupted before its first checkpoint was complete/,
        );
        outcomes.push('refused');
      } else {
        ['weights.safetensors', 'model.json'].forEach((f, j) =>
          assert.ok(readFileSync(join(out, f)).equals(want[j]), `kill after write ${k}: ${f} differs\n${text}`),
        );
        outcomes.push(/resuming .* after epoch (\d)/.exec(text)?.[1] ?? '?');
        if (/took its place/.test(text)) outcomes[outcomes.length - 1] += ' (previous restored)';
        if (/left by an interrupted checkpoint swap/.test(text))
          outcomes[outcomes.length - 1] += ' (stale previous removed)';
      }
      const left = listAll(out).filter((f) => /\.tmp-|checkpoint\.previous|train\.lock/.test(f));
      assert.deepEqual(left, [], `kill after write ${k} left these behind after the resume`);
    }
  }
  // First checkpoint: its folder, 5 files, the rename into place (7 steps: killed before the rename,
  // nothing to resume); the second also moves the first aside and removes it (9); then the model
  // directory: 3 files, each written and renamed (6).
  assert.deepEqual(outcomes, [
    ...Array(6).fill('refused'),
    ...Array(7).fill('1'),
    '1 (previous restored)',
    '2 (stale previous removed)',
    ...Array(7).fill('2'),
  ]);
  assert.equal(k, 23);
});

test('a checkpoint whose files do not match their hashes is not resumed from: the previous complete one is, with a message', async () => {
  const dir = join(work, 'torn');
  const first = await resume(dir); // no checkpoint yet: refused
  assert.ok(first.error);
  await train({ data: DATA, batchSize: 8, lr: 0.05, patience: 0, epochs: 1, out: dir }, { print: () => {} });
  cpSync(join(dir, 'checkpoint'), join(work, 'epoch1'), { recursive: true });
  await train({ epochs: 2 }, { resume: dir, print: () => {} });
  // The trial's torn checkpoint: weights of one epoch beside the state of another.
  cpSync(join(work, 'epoch1', 'weights.safetensors'), join(dir, 'checkpoint', 'weights.safetensors'));
  assert.throws(
    () => loadCheckpoint(dir),
    /--resume '.*torn': no complete checkpoint: checkpoint\/: weights\.safetensors does not match its SHA-256 in checkpoint\.json; checkpoint\.previous\/: it does not exist/,
  );
  cpSync(join(work, 'epoch1'), join(dir, 'checkpoint.previous'), { recursive: true });
  const fallback = loadCheckpoint(dir);
  assert.equal(fallback.state.epoch, 1);
  assert.match(
    fallback.notes[0],
    /checkpoint is incomplete \(weights\.safetensors does not match .*\); resuming from the previous complete checkpoint, epoch 1/,
  );
  assert.match(tidyRunFolder(dir).join('\n'), /the previous complete checkpoint took its place/);
  assert.equal(existsSync(join(dir, 'checkpoint.previous')), false);
  assert.equal(loadCheckpoint(dir).notes.length, 0);
});

test('a second writer of one run folder is refused while the first runs; once it is killed, its lock is taken over', async () => {
  const dir = join(work, 'locked');
  await train({ data: DATA, batchSize: 8, lr: 0.05, patience: 0, epochs: 1, out: dir }, { print: () => {} });
  const child = spawn(process.execPath, [join(cli.dir, 'nabla.mjs'), 'train', '--resume', dir, '--epochs', '100000'], {
    env: { ...process.env, NABLA_BACKEND: 'js' },
    stdio: 'ignore',
  });
  try {
    // Wait until the child holds the lock and has checkpointed an epoch of its own (it is writing).
    const epochOnDisk = (): number => {
      try {
        return (JSON.parse(readFileSync(join(dir, 'checkpoint', 'checkpoint.json'), 'utf8')) as { epoch: number })
          .epoch;
      } catch {
        return 0; // between the renames of a swap
      }
    };
    const lock = join(dir, 'train.lock');
    const holds = () => existsSync(lock) && readFileSync(lock, 'utf8').includes(`"pid":${child.pid}`);
    for (let i = 0; i < 600 && !(holds() && epochOnDisk() >= 2); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(holds() && epochOnDisk() >= 2, 'the child trains');
    const second = await resume(dir, 100001);
    assert.match(
      String(second.error?.message),
      new RegExp(
        `'.*locked' is being written by another nabla train \\(process ${child.pid} on .*\\); wait for it to finish`,
      ),
    );
    const fresh = train({ data: DATA, epochs: 1, out: dir }, { print: () => {} });
    await assert.rejects(fresh, /is being written by another nabla train/);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // The killed run saved --epochs 100000 in its checkpoints: resume to the epoch it reached.
  const after = await resume(dir, loadCheckpoint(dir).state.epoch);
  assert.equal(after.error, null, after.error?.message);
  assert.match(
    after.text,
    new RegExp(`taking over .*train\\.lock: process ${child.pid}, which held it, is no longer running`),
  );
  assert.equal(existsSync(join(dir, 'train.lock')), false, 'the lock is released at the end');
});
