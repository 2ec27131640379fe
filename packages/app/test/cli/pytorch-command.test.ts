// `nabla export --pytorch` / `nabla import --pytorch`: the digits MLP goes to PyTorch, trains one
// epoch under torchrun with 2 processes (gloo, CPU, 127.0.0.1), and comes back; `nabla eval` then
// agrees with the accuracy PyTorch printed, and 2 processes equal 1 with the same global batch.
// Skipped with a message where Debian's torch (/usr/bin/python3, /usr/bin/torchrun) is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { io, manualSeed } from 'nabla';
import { saveSafetensors } from 'nabla/node';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');
const PYTHON = '/usr/bin/python3';
const TORCHRUN = '/usr/bin/torchrun';
const work = mkdtempSync(join(tmpdir(), 'nabla-pytorch-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

const torchMissing =
  spawnSync(PYTHON, ['-c', 'import torch.distributed'], { encoding: 'utf8' }).status === 0 && existsSync(TORCHRUN)
    ? false
    : `PyTorch is not installed (${PYTHON} -c 'import torch' or ${TORCHRUN} missing; scripts/install-pytorch.sh installs it)`;

function nabla(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=nabla-source', '--import', TSX, MAIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, {
    cwd: join(work, 'torch'),
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, OMP_NUM_THREADS: '1', MASTER_ADDR: '127.0.0.1', GLOO_SOCKET_IFNAME: 'lo' },
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const accuracyOf = (stdout: string): number => {
  const m = /pytorch: test accuracy ([\d.]+)% \(loss [\d.]+\) on (\d+) samples/.exec(stdout);
  assert.ok(m, `no test accuracy in:\n${stdout}`);
  return Number(m[1]);
};

describe('nabla export --pytorch / import --pytorch', { skip: torchMissing }, () => {
  test('digits MLP: torchrun with 2 processes trains it, nabla eval agrees, and 2 processes equal 1', () => {
    const trained = nabla('train', '--epochs', '3', '--out', 'digits');
    assert.equal(trained.code, 0, trained.stderr);
    const exported = nabla('export', '--model', 'digits', '--pytorch', 'torch');
    assert.equal(exported.code, 0, exported.stderr);
    for (const f of ['model.py', 'weights.safetensors', 'safetensors_io.py', 'train.py', 'recipe.json', 'README.md'])
      assert.ok(existsSync(join(work, 'torch', f)), `export wrote no ${f}`);
    const recipe = JSON.parse(readFileSync(join(work, 'torch', 'recipe.json'), 'utf8'));
    assert.deepEqual(recipe.optimizer, {
      name: 'Adam',
      lr: 0.001,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weight_decay: 0,
      amsgrad: false,
    });
    assert.equal(recipe.split.test.length, 359);

    // Debian's torchrun 1.13 on Python 3.11 needs --redirects/--tee set (its default fails there).
    const two = run(TORCHRUN, [
      '--standalone',
      '--nproc_per_node=2',
      '--redirects',
      '1',
      '--tee',
      '1',
      'train.py',
      '--epochs',
      '1',
      '--out',
      'trained-2.safetensors',
    ]);
    assert.match(two, /2 processes \(gloo\)/);
    const pytorchAccuracy = accuracyOf(two);
    const one = run(PYTHON, ['train.py', '--epochs', '1', '--out', 'trained-1.safetensors']);
    assert.ok(Math.abs(accuracyOf(one) - pytorchAccuracy) <= 0.3, `1 process: ${one}\n2 processes: ${two}`);
    const diff = run(PYTHON, [
      '-c',
      `
from safetensors_io import load_file
a, b = load_file("trained-1.safetensors"), load_file("trained-2.safetensors")
print(max((a[k].double() - b[k].double()).abs().max().item() for k in a))
`,
    ]);
    assert.ok(Number(diff) < 1e-5, `1 and 2 processes differ by ${diff}`);

    const imported = nabla('import', '--pytorch', join('torch', 'trained-2.safetensors'), '--into', 'digits');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /loaded 4 tensors .* \(PyTorch: test accuracy [\d.]+%\)/);
    const evaluated = nabla('eval', '--model', 'digits', '--json');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const nablaAccuracy = (JSON.parse(evaluated.stdout) as { accuracy: number }).accuracy * 100;
    assert.ok(
      Math.abs(nablaAccuracy - pytorchAccuracy) <= 0.1,
      `nabla eval ${nablaAccuracy}% vs PyTorch ${pytorchAccuracy}%`,
    );
  });

  test('a round trip without training leaves the weights bit-identical', () => {
    run(PYTHON, ['train.py', '--epochs', '0', '--weights', 'weights.safetensors', '--out', 'same.safetensors']);
    const before = readFileSync(join(work, 'digits', 'weights.safetensors'));
    const r = nabla('import', '--pytorch', join('torch', 'same.safetensors'), '--into', 'digits');
    assert.equal(r.code, 0, r.stderr);
    const after = io.decodeSafetensors(new Uint8Array(readFileSync(join(work, 'digits', 'weights.safetensors'))));
    const exported = io.decodeSafetensors(new Uint8Array(readFileSync(join(work, 'torch', 'weights.safetensors'))));
    for (const [k, t] of Object.entries(exported.tensors))
      assert.deepEqual(after.tensors[k].toTypedArray(), t.toTypedArray(), `${k} changed`);
    assert.ok(before.length > 0);
  });
});

describe('nabla import --pytorch refuses what does not fit', () => {
  test('another architecture, a missing key, a wrong dtype and a .pt file each fail naming the problem', () => {
    if (!existsSync(join(work, 'digits', 'model.json'))) {
      const r = nabla('train', '--epochs', '1', '--out', 'digits');
      assert.equal(r.code, 0, r.stderr);
    }
    manualSeed(0);
    const lenet = io.buildModel(io.zooSpec('lenet5', 10, 1));
    saveSafetensors(join(work, 'lenet.safetensors'), lenet.stateDict());
    let r = nabla('import', '--pytorch', 'lenet.safetensors', '--into', 'digits');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /lenet\.safetensors: does not match the model's state_dict \(missing keys: 1\.weight/);

    const own = io.decodeSafetensors(new Uint8Array(readFileSync(join(work, 'digits', 'weights.safetensors')))).tensors;
    const { '3.bias': _dropped, ...rest } = own;
    saveSafetensors(join(work, 'missing.safetensors'), rest);
    r = nabla('import', '--pytorch', 'missing.safetensors', '--into', 'digits');
    assert.match(r.stderr, /missing keys: 3\.bias/);

    saveSafetensors(join(work, 'double.safetensors'), { ...own, '1.weight': own['1.weight'].double() });
    r = nabla('import', '--pytorch', 'double.safetensors', '--into', 'digits');
    assert.match(r.stderr, /'1\.weight' is F64 but the model's is float32/);

    r = nabla('import', '--pytorch', 'trained.pt', '--into', 'digits');
    assert.match(r.stderr, /expected a \.safetensors state_dict/);
  });
});
