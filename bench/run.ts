/**
 * `npm run bench`: nabla (each backend: js, wasm, native) side by side with TF.js 4.22 (cpu,
 * wasm) and PyTorch (1 and all threads, each OpenBLAS build found) on sgemm 1024, MLP and
 * LeNet-5 training, batch-1 inference and a batch-1 training step; the two Fashion-MNIST recipes
 * (real data, loading included) against PyTorch's; then RSS over a long MLP training run. Each
 * framework runs in its own process; rounds are interleaved and each number is the median over
 * rounds. Prints the tables, writes bench/results/latest.json and the table in docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { flag, median } from './measure.js';
import { blasVariants, fmaPeak, runJson, runTorch, torchAvailable, UNSET_BLAS_ENV, type Row } from './peers.js';
import { recipesMissing, RECIPES, runRecipe } from './recipes.js';
import { formatReport, type Report } from './report.js';
import { writeResults } from './write-results.js';

const HELP = `npm run bench [-- options]
  Times nabla (js, wasm, native backends) against PyTorch and TF.js on the same workloads.
  --workloads LIST   comma-separated, default all: sgemm,mlp,lenet,infer,step1,fashion-mlp,fashion-cnn
                     (sgemm 1024; MLP b128 and LeNet-5 b64 training with SGD-momentum; batch-1
                     inference; batch-1 training step of a 20-5-1 MLP; the Fashion-MNIST recipes,
                     skipped with a message when /usr/share/datasets/fashion-mnist is missing)
  --only LIST        frameworks, default nabla,tfjs,torch
  --backends LIST    nabla backends, default js,wasm,native
  --repeats N        interleaved rounds of the synthetic workloads (default 3; median kept)
  --memory-steps N   MLP steps of the RSS check (default 10000; 0 skips it)
  --profile          per-kernel split of nabla's steps (calling thread's wall time)
  --no-write         print only: leave bench/results/latest.json and docs/performance.md alone
  --help             this text
  Every child process runs with ${UNSET_BLAS_ENV.join(' and ')} unset (PyTorch and nabla alike).`;

const here = (f: string): string => new URL(f, import.meta.url).pathname;
const node = (file: string, args: string[], flags: string[] = []): Row =>
  runJson(process.execPath, ['--conditions=nabla-source', ...flags, '--import', 'tsx', here(file), ...args]);

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

const SYNTHETIC = ['sgemm', 'mlp', 'lenet', 'infer', 'step1'];

interface Options {
  repeats: number;
  memorySteps: number;
  only: string[];
  backends: string[];
  workloads: string[];
  cores: number;
  profile: boolean;
  write: boolean;
}

/** One measured configuration; `slow` ones (the pure-JS baselines) run in the first round only. */
interface Config {
  name: string;
  slow?: boolean;
  run: (profile: string[]) => Row;
}

function configs(o: Options): Config[] {
  const out: Config[] = [];
  const synthetic = o.workloads.filter((w) => SYNTHETIC.includes(w));
  if (!synthetic.length) return out;
  const w = ['--workloads', synthetic.join(',')];
  const threads = [...new Set([1, o.cores])];
  if (o.only.includes('nabla')) {
    if (o.backends.includes('js'))
      out.push({
        name: 'nabla-js',
        slow: true,
        run: (p) => node('nabla-runner.ts', ['js', '--repeats', '1', ...w, ...p]),
      });
    if (o.backends.includes('wasm')) {
      for (const t of threads)
        out.push({
          name: `nabla-wasm-${t}t`,
          run: (p) => node('nabla-runner.ts', ['wasm', '--threads', String(t), '--repeats', '1', ...w, ...p]),
        });
      if (spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', '0']).status === 0) {
        // What fused multiply-add would give where the engine ships relaxed SIMD (Node 20 keeps it behind this flag).
        out.push({
          name: `nabla-wasm-${o.cores}t-fma`,
          slow: true,
          run: () =>
            node(
              'nabla-runner.ts',
              ['wasm', '--threads', String(o.cores), '--repeats', '1', ...w],
              ['--experimental-wasm-relaxed-simd'],
            ),
        });
      }
    }
    if (o.backends.includes('native')) {
      for (const t of threads)
        out.push({
          name: `nabla-native-${t}t`,
          run: (p) => node('nabla-runner.ts', ['native', '--threads', String(t), '--repeats', '1', ...w, ...p]),
        });
    }
  }
  if (o.only.includes('tfjs')) {
    const tw = ['--workloads', synthetic.filter((x) => x !== 'step1').join(',')];
    if (tw[1]) {
      out.push({ name: 'tfjs-cpu', slow: true, run: () => node('tfjs-runner.ts', ['cpu', '--repeats', '1', ...tw]) });
      out.push({ name: 'tfjs-wasm', run: () => node('tfjs-runner.ts', ['wasm', '--repeats', '1', ...tw]) });
    }
  }
  if (o.only.includes('torch') && torchAvailable()) {
    const variants = blasVariants();
    for (const t of threads) {
      for (const v of variants.length ? variants : [{ name: 'default', dir: '' }]) {
        out.push({
          name: `torch-${t}t-${v.name}`,
          run: () => ({ ...runTorch(t, 1, v.dir || null, synthetic), blasName: v.name, blasDir: v.dir }),
        });
      }
    }
  }
  return out;
}

/** Per numeric field, the median over rounds; other fields from the first round. */
function mergeRounds(rows: Row[]): Row {
  const out: Row = { ...rows[0], rounds: rows.length };
  for (const key of Object.keys(rows[0])) {
    const values = rows.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    if (values.length === rows.length) out[key] = median(values);
  }
  return out;
}

/**
 * Runs every configuration once per round, rounds interleaved, so a load that comes and goes on a
 * shared machine hits every framework alike instead of whichever ran at the wrong moment.
 */
function measureAll(o: Options): Record<string, Row> {
  const all = configs(o);
  const rows = new Map<string, Row[]>(all.map((c) => [c.name, []]));
  for (let round = 0; round < o.repeats; round++) {
    for (const c of all) {
      if (c.slow && round > 0) continue;
      log(`round ${round + 1}/${o.repeats}: ${c.name}`);
      rows.get(c.name)!.push(c.run(o.profile && round === 0 ? ['--profile'] : []));
    }
  }
  return Object.fromEntries([...rows].map(([name, r]) => [name, mergeRounds(r)]));
}

/** The PyTorch OpenBLAS build (library folder) of its best run on `key`, so the recipe runs on it too. */
function torchBlasFor(runs: Record<string, Row>, key: string): string | null {
  let best: { v: number; dir: string } | null = null;
  for (const [name, row] of Object.entries(runs)) {
    const v = row[key];
    if (name.startsWith('torch-') && typeof v === 'number' && (!best || v > best.v))
      best = { v, dir: String(row.blasDir ?? '') };
  }
  return best?.dir || null;
}

/** The Fashion-MNIST recipes, once per side and thread count, into the runs of the same names. */
function measureRecipes(o: Options, runs: Record<string, Row>): string | null {
  const wanted = RECIPES.filter((r) => o.workloads.includes(r.key === 'fashionMlp' ? 'fashion-mlp' : 'fashion-cnn'));
  if (!wanted.length) return null;
  const missing = recipesMissing();
  if (missing) {
    log(`Fashion-MNIST recipes skipped: ${missing}`);
    return `Fashion-MNIST recipes skipped: ${missing}`;
  }
  const threads = [...new Set([1, o.cores])];
  const add = (name: string, row: Row): void => {
    runs[name] = { ...(runs[name] ?? {}), ...row };
  };
  for (const recipe of wanted) {
    if (o.only.includes('nabla')) {
      for (const backend of (['native', 'wasm'] as const).filter((b) => o.backends.includes(b))) {
        for (const t of backend === 'wasm' ? [o.cores] : threads) {
          log(`${recipe.nabla} (${recipe.steps} steps), nabla ${backend}, ${t} thread(s)`);
          add(`nabla-${backend}-${t}t`, runRecipe(recipe, { nabla: backend }, t));
        }
      }
    }
    if (o.only.includes('torch') && torchAvailable()) {
      const dir = torchBlasFor(runs, recipe.key === 'fashionMlp' ? 'mlp' : 'lenet');
      const variant = dir ? dir.split('/').pop() : 'default';
      for (const t of threads) {
        log(`${recipe.torch} (${recipe.steps} steps), PyTorch ${variant}, ${t} thread(s)`);
        add(`torch-${t}t-${variant}`, runRecipe(recipe, { torchLibDir: dir }, t));
      }
    }
  }
  return null;
}

function options(): Options {
  const list = (name: string, fallback: string): string[] => flag(name, fallback).split(',').filter(Boolean);
  return {
    repeats: Number(flag('repeats', '3')),
    memorySteps: Number(flag('memory-steps', '10000')),
    only: list('only', 'nabla,tfjs,torch'),
    backends: list('backends', 'js,wasm,native'),
    workloads: list('workloads', [...SYNTHETIC, 'fashion-mlp', 'fashion-cnn'].join(',')),
    cores: availableParallelism(),
    profile: process.argv.includes('--profile'),
    write: !process.argv.includes('--no-write'),
  };
}

function main(): void {
  if (process.argv.includes('--help')) {
    console.log(HELP);
    return;
  }
  const o = options();
  const cores = o.cores;
  const unset = UNSET_BLAS_ENV.map((k) => `${k}=${process.env[k] ?? '(not set)'}`).join(', ');
  log(
    `child processes run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (here: ${unset}), PyTorch and nabla alike`,
  );
  const report: Report = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores,
      node: process.version,
      loadBefore: loadavg().map((x) => +x.toFixed(2)),
    },
    peak: null,
    runs: {},
    memory: null,
    notes: [`unset in every child's environment: ${unset}`],
  };
  if (o.only.includes('torch') && !torchAvailable()) {
    log('PyTorch not measured: `import torch` fails under /usr/bin/python3 (scripts/install-pytorch.sh installs it)');
    report.notes.push('PyTorch not measured: `import torch` fails under /usr/bin/python3');
  }
  log('measuring the FMA peak');
  report.peak = fmaPeak(cores);
  report.runs = measureAll(o);
  const skipped = measureRecipes(o, report.runs);
  if (skipped) report.notes.push(skipped);
  if (o.only.includes('nabla') && o.memorySteps > 0) {
    const backend = o.backends.includes('native') && !report.runs[`nabla-native-${cores}t`]?.error ? 'native' : 'wasm';
    log(`RSS over ${o.memorySteps} MLP training steps (${backend} backend)`);
    report.memory = {
      ...node('nabla-runner.ts', [backend, '--memory-steps', String(o.memorySteps)], ['--expose-gc']),
      backend,
    };
  }
  report.machine.loadAfter = loadavg().map((x) => +x.toFixed(2));
  const text = formatReport(report);
  console.log(text);
  if (o.write) writeResults(report, text, log);
}

main();
