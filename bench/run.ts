/**
 * `npm run bench`: nabla (each backend) side by side with TF.js 4.22 (cpu, wasm) and PyTorch
 * (1 and 2 threads, each OpenBLAS build found) on sgemm 1024, MLP and LeNet-5 training and
 * batch-1 small-MLP inference; then RSS over a long MLP training run. Each framework runs in its
 * own process; rounds are interleaved and each number is the median over rounds (each round's
 * value itself timed over at least half a second after warm-up). Prints a table and writes JSON
 * to bench/results/.
 * Options: --repeats N (rounds, 3), --memory-steps N (10000), --only nabla,tfjs,torch, --profile.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { flag, median } from './measure.js';
import { blasVariants, fmaPeak, runJson, runTorch, torchAvailable, type Row } from './peers.js';
import { formatReport, type Report } from './report.js';

const here = (f: string): string => new URL(f, import.meta.url).pathname;
const node = (file: string, args: string[], flags: string[] = []): Row => runJson(process.execPath, [...flags, '--import', 'tsx', here(file), ...args]);

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

interface Options { repeats: number; memorySteps: number; only: string[]; cores: number; profile: boolean }

/** One measured configuration; `slow` ones (the pure-JS baselines) run in the first round only. */
interface Config { name: string; slow?: boolean; run: (profile: string[]) => Row }

function configs(o: Options): Config[] {
  const out: Config[] = [];
  if (o.only.includes('nabla')) {
    out.push({ name: 'nabla-js', slow: true, run: (p) => node('nabla-runner.ts', ['js', '--repeats', '1', ...p]) });
    for (const t of [...new Set([1, o.cores])]) {
      out.push({ name: `nabla-wasm-${t}t`, run: (p) => node('nabla-runner.ts', ['wasm', '--threads', String(t), '--repeats', '1', ...p]) });
    }
    if (spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', '0']).status === 0) {
      // What fused multiply-add would give where the engine ships relaxed SIMD (Node 20 keeps it behind this flag).
      out.push({ name: `nabla-wasm-${o.cores}t-fma`, run: () => node('nabla-runner.ts', ['wasm', '--threads', String(o.cores), '--repeats', '1'], ['--experimental-wasm-relaxed-simd']) });
    }
  }
  if (o.only.includes('tfjs')) {
    out.push({ name: 'tfjs-cpu', slow: true, run: () => node('tfjs-runner.ts', ['cpu', '--repeats', '1']) });
    out.push({ name: 'tfjs-wasm', run: () => node('tfjs-runner.ts', ['wasm', '--repeats', '1']) });
  }
  if (o.only.includes('torch')) {
    if (!torchAvailable()) log('PyTorch not measured: `import torch` fails under /usr/bin/python3 (scripts/install-pytorch.sh installs it)');
    else {
      const variants = blasVariants();
      for (const t of [...new Set([1, o.cores])]) {
        for (const v of variants.length ? variants : [{ name: 'default', dir: '' }]) {
          out.push({ name: `torch-${t}t-${v.name}`, run: () => ({ ...runTorch(t, 1, v.dir || null), blasName: v.name }) });
        }
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

function main(): void {
  const cores = availableParallelism();
  const o: Options = {
    repeats: Number(flag('repeats', '3')), memorySteps: Number(flag('memory-steps', '10000')),
    only: flag('only', 'nabla,tfjs,torch').split(','), cores, profile: process.argv.includes('--profile'),
  };
  const report: Report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores, node: process.version, loadBefore: loadavg().map((x) => +x.toFixed(2)) },
    peak: null, runs: {}, memory: null,
  };
  log('measuring the FMA peak');
  report.peak = fmaPeak(cores);
  report.runs = measureAll(o);
  if (o.only.includes('nabla') && o.memorySteps > 0) {
    log(`RSS over ${o.memorySteps} MLP training steps (wasm backend)`);
    report.memory = node('nabla-runner.ts', ['wasm', '--memory-steps', String(o.memorySteps)], ['--expose-gc']);
  }
  report.machine.loadAfter = loadavg().map((x) => +x.toFixed(2));
  write(report);
}

function write(report: Report): void {
  const text = formatReport(report);
  console.log(text);
  mkdirSync(here('results/'), { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-');
  const json = JSON.stringify({ ...report, table: text }, null, 2);
  writeFileSync(here(`results/bench-${stamp}.json`), json);
  writeFileSync(here('results/latest.json'), json);
  log(`wrote bench/results/bench-${stamp}.json and bench/results/latest.json`);
}

main();
