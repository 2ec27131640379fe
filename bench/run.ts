/**
 * `npm run bench`: nabla (each backend) side by side with TF.js 4.22 (cpu, wasm) and PyTorch
 * (1 and 2 threads, each OpenBLAS build found) on sgemm 1024, MLP and LeNet-5 training and
 * batch-1 small-MLP inference; then RSS over a long MLP training run. Each framework runs in its
 * own process. Prints a table and writes JSON to bench/results/.
 * Options: --repeats N (3), --memory-steps N (10000), --only nabla,tfjs,torch, --profile.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { flag } from './measure.js';
import { blasVariants, fmaPeak, runJson, runTorch, torchAvailable, type Row } from './peers.js';
import { formatReport, type Report } from './report.js';

const here = (f: string): string => new URL(f, import.meta.url).pathname;
const node = (file: string, args: string[], flags: string[] = []): Row => runJson(process.execPath, [...flags, '--import', 'tsx', here(file), ...args]);

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

interface Options { repeats: string; memorySteps: number; only: string[]; cores: number; profile: string[] }

function measureNabla(o: Options, runs: Record<string, Row>): void {
  log('nabla js backend');
  runs['nabla-js'] = node('nabla-runner.ts', ['js', '--repeats', '1', ...o.profile]);
  for (const t of [...new Set([1, o.cores])]) {
    log(`nabla wasm backend, ${t} thread(s)`);
    runs[`nabla-wasm-${t}t`] = node('nabla-runner.ts', ['wasm', '--threads', String(t), '--repeats', o.repeats, ...o.profile]);
  }
  if (spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', '0']).status === 0) {
    // What fused multiply-add would give where the engine ships relaxed SIMD (Node 20 keeps it behind this flag).
    log(`nabla wasm backend, ${o.cores} threads, relaxed SIMD enabled by flag`);
    runs[`nabla-wasm-${o.cores}t-fma`] = node('nabla-runner.ts', ['wasm', '--threads', String(o.cores), '--repeats', o.repeats], ['--experimental-wasm-relaxed-simd']);
  }
}

function measureTfjs(o: Options, runs: Record<string, Row>): void {
  for (const b of ['cpu', 'wasm']) {
    log(`TF.js ${b} backend`);
    runs[`tfjs-${b}`] = node('tfjs-runner.ts', [b, '--repeats', b === 'cpu' ? '1' : o.repeats]);
  }
}

function measureTorch(o: Options, runs: Record<string, Row>): void {
  if (!torchAvailable()) {
    log('PyTorch not measured: `import torch` fails under /usr/bin/python3 (scripts/install-pytorch.sh installs it)');
    return;
  }
  const variants = blasVariants();
  for (const t of [...new Set([1, o.cores])]) {
    for (const v of variants.length ? variants : [{ name: 'default', dir: '' }]) {
      log(`PyTorch, ${t} thread(s), ${v.name}`);
      runs[`torch-${t}t-${v.name}`] = { ...runTorch(t, Number(o.repeats), v.dir || null), blasName: v.name };
    }
  }
}

function main(): void {
  const cores = availableParallelism();
  const o: Options = {
    repeats: flag('repeats', '3'), memorySteps: Number(flag('memory-steps', '10000')), only: flag('only', 'nabla,tfjs,torch').split(','),
    cores, profile: process.argv.includes('--profile') ? ['--profile'] : [],
  };
  const report: Report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores, node: process.version, loadBefore: loadavg().map((x) => +x.toFixed(2)) },
    peak: null, runs: {}, memory: null,
  };
  log('measuring the FMA peak');
  report.peak = fmaPeak(cores);
  if (o.only.includes('nabla')) measureNabla(o, report.runs);
  if (o.only.includes('tfjs')) measureTfjs(o, report.runs);
  if (o.only.includes('torch')) measureTorch(o, report.runs);
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
