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

function main(): void {
  const repeats = flag('repeats', '3');
  const memorySteps = Number(flag('memory-steps', '10000'));
  const only = flag('only', 'nabla,tfjs,torch').split(',');
  const cores = availableParallelism();
  const profile = process.argv.includes('--profile') ? ['--profile'] : [];
  const report: Report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores, node: process.version, loadBefore: loadavg().map((x) => +x.toFixed(2)) },
    peak: null, runs: {}, memory: null,
  };
  log('measuring the FMA peak');
  report.peak = fmaPeak(cores);
  if (only.includes('nabla')) {
    log('nabla js backend');
    report.runs['nabla-js'] = node('nabla-runner.ts', ['js', '--repeats', '1', ...profile]);
    for (const t of [...new Set([1, cores])]) {
      log(`nabla wasm backend, ${t} thread(s)`);
      report.runs[`nabla-wasm-${t}t`] = node('nabla-runner.ts', ['wasm', '--threads', String(t), '--repeats', repeats, ...profile]);
    }
    if (spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', '0']).status === 0) {
      // What fused multiply-add would give where the engine ships relaxed SIMD (Node 20 keeps it behind this flag).
      log(`nabla wasm backend, ${cores} threads, relaxed SIMD enabled by flag`);
      report.runs[`nabla-wasm-${cores}t-fma`] = node('nabla-runner.ts', ['wasm', '--threads', String(cores), '--repeats', repeats], ['--experimental-wasm-relaxed-simd']);
    }
  }
  if (only.includes('tfjs')) {
    for (const b of ['cpu', 'wasm']) {
      log(`TF.js ${b} backend`);
      report.runs[`tfjs-${b}`] = node('tfjs-runner.ts', [b, '--repeats', b === 'cpu' ? '1' : repeats]);
    }
  }
  if (only.includes('torch') && torchAvailable()) {
    const variants = blasVariants();
    for (const t of [...new Set([1, cores])]) {
      for (const v of variants.length ? variants : [{ name: 'default', dir: '' }]) {
        log(`PyTorch, ${t} thread(s), ${v.name}`);
        report.runs[`torch-${t}t-${v.name}`] = { ...runTorch(t, Number(repeats), v.dir || null), blasName: v.name };
      }
    }
  } else if (only.includes('torch')) {
    log('PyTorch not measured: `import torch` fails under /usr/bin/python3 (scripts/install-pytorch.sh installs it)');
  }
  if (only.includes('nabla') && memorySteps > 0) {
    log(`RSS over ${memorySteps} MLP training steps (wasm backend)`);
    report.memory = node('nabla-runner.ts', ['wasm', '--memory-steps', String(memorySteps)], ['--expose-gc']);
  }
  report.machine.loadAfter = loadavg().map((x) => +x.toFixed(2));
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
