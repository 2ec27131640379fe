/** Turns the benchmark's raw runs into the printed table, the ratios and the floor checks. */
import type { Row } from './peers.js';

export interface Report {
  date: string;
  machine: { cpu: string; cores: number; node: string; loadBefore: number[]; loadAfter?: number[] };
  peak: { one: number; all: number } | null;
  runs: Record<string, Row>;
  memory: Row | null;
}

const WORKLOADS = [
  { key: 'sgemm', label: 'sgemm 1024x1024x1024', unit: 'GFLOP/s', higher: true },
  { key: 'mlp', label: 'MLP 784-512-256-10 train b128', unit: 'samples/s', higher: true },
  { key: 'lenet', label: 'LeNet-5 train b64', unit: 'samples/s', higher: true },
  { key: 'infer', label: 'MLP 784-256-256-10 infer b1', unit: 'us/sample', higher: false },
] as const;

type Key = (typeof WORKLOADS)[number]['key'];

function num(row: Row | undefined, key: Key | `${Key}Cpu`): number | null {
  const v = row?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Best value of `key` over the runs whose name starts with `prefix` (max rate, min latency). */
function best(runs: Record<string, Row>, prefix: string, key: Key, higher: boolean): { value: number; run: string } | null {
  let out: { value: number; run: string } | null = null;
  for (const [name, row] of Object.entries(runs)) {
    const v = num(row, key);
    if (!name.startsWith(prefix) || v === null) continue;
    if (!out || (higher ? v > out.value : v < out.value)) out = { value: v, run: name };
  }
  return out;
}

function fmt(v: number | null): string {
  if (v === null) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Speed of `a` relative to `b` (>1: a is faster), for rates and latencies alike. */
function speedRatio(a: number | null, b: number | null, higher: boolean): number | null {
  if (a === null || b === null || a === 0 || b === 0) return null;
  return higher ? a / b : b / a;
}

/**
 * Single-threaded runs per second of process CPU time: the comparison a busy machine distorts
 * least (wall-clock rates drop with every other process; CPU-time rates mostly do not).
 */
function cpuTable(r: Report): string[] {
  const cols = ['nabla-js', 'nabla-wasm-1t', 'tfjs-cpu', 'tfjs-wasm', 'torch-1t'];
  const cell = (col: string, k: Key, higher: boolean): number | null => {
    if (!col.startsWith('torch-')) return num(r.runs[col], `${k}Cpu`);
    let out: number | null = null;
    for (const [name, row] of Object.entries(r.runs)) {
      const v = name.startsWith(`${col}-`) ? num(row, `${k}Cpu`) : null;
      if (v !== null && (out === null || (higher ? v > out : v < out))) out = v;
    }
    return out;
  };
  const rows = [['per CPU-second, 1 thread', 'unit', ...cols, 'wasm-1t vs torch-1t']];
  for (const w of WORKLOADS) {
    const vals = cols.map((c) => cell(c, w.key, w.higher));
    rows.push([w.label, w.unit, ...vals.map(fmt), `${fmt(speedRatio(vals[1], vals[4], w.higher))}x`]);
  }
  return pad(rows);
}

type Ratios = Record<Key, { torch: number | null; tfjsWasm: number | null }>;

/** nabla's best default-engine WASM run (1 thread or all cores), as PyTorch's best thread count is its reference. */
function nablaBest(r: Report, key: Key, higher: boolean): { value: number; run: string } | null {
  const runs = Object.fromEntries(Object.entries(r.runs).filter(([name]) => /^nabla-wasm-\d+t$/.test(name)));
  return best(runs, 'nabla-wasm-', key, higher);
}

function pad(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines;
}

/** The wall-clock table: one column per run (PyTorch: best BLAS per thread count) and the ratios. */
function mainTable(r: Report, nablaName: string): { lines: string[]; ratios: Ratios } {
  const cores = r.machine.cores;
  const cols = [...new Set(['nabla-js', 'nabla-wasm-1t', nablaName, `${nablaName}-fma`, 'tfjs-cpu', 'tfjs-wasm', 'torch-1t', `torch-${cores}t`])];
  const cell = (col: string, w: (typeof WORKLOADS)[number]): number | null =>
    col.startsWith('torch-') ? best(r.runs, `${col}-`, w.key, w.higher)?.value ?? null : num(r.runs[col], w.key);
  const rows: string[][] = [['workload', 'unit', ...cols, 'vs torch', 'vs tfjs-wasm']];
  const ratios = {} as Ratios;
  for (const w of WORKLOADS) {
    const nabla = nablaBest(r, w.key, w.higher)?.value ?? null;
    const torch = best(r.runs, 'torch-', w.key, w.higher)?.value ?? null;
    ratios[w.key] = { torch: speedRatio(nabla, torch, w.higher), tfjsWasm: speedRatio(nabla, num(r.runs['tfjs-wasm'], w.key), w.higher) };
    rows.push([w.label, w.unit, ...cols.map((c) => fmt(cell(c, w))), `${fmt(ratios[w.key].torch)}x`, `${fmt(ratios[w.key].tfjsWasm)}x`]);
  }
  return { lines: pad(rows), ratios };
}

/** Machine, peak, reference and memory lines under the table. */
function notes(r: Report, nablaName: string): string[] {
  const cores = r.machine.cores;
  const lines: string[] = [];
  const sgemm = num(r.runs[nablaName], 'sgemm');
  const one = num(r.runs['nabla-wasm-1t'], 'sgemm');
  if (r.peak) {
    lines.push(`FMA register peak (measured): ${fmt(r.peak.one)} GFLOP/s on 1 core, ${fmt(r.peak.all)} on ${cores}; nabla sgemm ${fmt(sgemm)} = ${sgemm ? ((100 * sgemm) / r.peak.all).toFixed(0) : '-'}% of the ${cores}-core peak, 1 thread ${fmt(one)} = ${one ? ((100 * one) / r.peak.one).toFixed(0) : '-'}% of 1 core`);
  } else lines.push('FMA register peak: not measured (needs gcc and AVX2-FMA)');
  const torchRef = WORKLOADS.map((w) => `${w.key} ${best(r.runs, 'torch-', w.key, w.higher)?.run ?? '-'}`).join(', ');
  const nablaRef = WORKLOADS.map((w) => `${w.key} ${nablaBest(r, w.key, w.higher)?.run ?? '-'}`).join(', ');
  lines.push(`PyTorch reference = its best run per workload (${torchRef}); "vs" columns: nabla's best WASM run (${nablaRef}) relative to it and to tfjs-wasm (>1 = nabla faster)`);
  const fma = r.runs[`${nablaName}-fma`];
  lines.push(`nabla wasm: relaxed SIMD ${r.runs[nablaName]?.relaxedSimd ? 'on' : 'off by default in this engine (plain SIMD mul+add)'}; column ${nablaName}-fma: same with --experimental-wasm-relaxed-simd (relaxed SIMD ${fma?.relaxedSimd ? 'on' : 'not available'})`);
  const mem = r.memory;
  if (mem && typeof mem.rssBeforeMiB === 'number') {
    lines.push(`memory: RSS ${mem.rssBeforeMiB} MiB before -> ${mem.rssAfterMiB} MiB after ${mem.steps} MLP training steps (wasm backend; every tenth: ${(mem.rssSamplesMiB as unknown as number[]).join(', ')}; ${mem.gcBeforeSamples ? 'full GC before each sample; ' : ''}${Number(mem.seconds).toFixed(0)} s)`);
  }
  return lines;
}

/** The floors, judged on the wall-clock table. */
function floors(r: Report, nablaName: string, ratios: Ratios): string[] {
  const out = ['floors (wall clock, as required):'];
  const check = (name: string, value: number | null, ok: (v: number) => boolean, detail: string): void => {
    out.push(`  [${value === null ? 'n/a ' : ok(value) ? 'PASS' : 'FAIL'}] ${name}: ${detail}`);
  };
  check('MLP >= 10x TF.js-wasm', ratios.mlp.tfjsWasm, (v) => v >= 10, `${fmt(ratios.mlp.tfjsWasm)}x`);
  check('MLP >= 0.4x PyTorch', ratios.mlp.torch, (v) => v >= 0.4, `${fmt(ratios.mlp.torch)}x`);
  check('LeNet-5 >= 0.4x PyTorch', ratios.lenet.torch, (v) => v >= 0.4, `${fmt(ratios.lenet.torch)}x`);
  const sgemm = num(r.runs[nablaName], 'sgemm');
  check(`sgemm 1024 >= 35 GFLOP/s with ${r.machine.cores} threads`, sgemm, (v) => v >= 35, `${fmt(sgemm)} GFLOP/s`);
  check('batch-1 latency no worse than PyTorch', ratios.infer.torch, (v) => v >= 1, `${fmt(nablaBest(r, 'infer', false)?.value ?? null)} us vs ${fmt(best(r.runs, 'torch-', 'infer', false)?.value ?? null)} us`);
  const mem = r.memory;
  if (mem && typeof mem.rssBeforeMiB === 'number') {
    const after = Number(mem.rssAfterMiB);
    check('RSS flat over the long run (after <= 1.1 x before)', after, (v) => v <= Number(mem.rssBeforeMiB) * 1.1, `${mem.rssBeforeMiB} -> ${after} MiB`);
  }
  return out;
}

export function formatReport(r: Report): string {
  const m = r.machine;
  const nablaName = `nabla-wasm-${m.cores}t`;
  const { lines, ratios } = mainTable(r, nablaName);
  lines.unshift(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore.join(' ')} -> ${m.loadAfter?.join(' ') ?? '?'}; ${r.date}`);
  lines.push(...notes(r, nablaName), ...floors(r, nablaName, ratios), '', ...cpuTable(r));
  for (const [name, row] of Object.entries(r.runs)) {
    for (const [k, v] of Object.entries(row)) {
      if (typeof v === 'string' && (k === 'error' || v.startsWith('cannot'))) lines.push(`note: ${name} ${k}: ${v}`);
      if (typeof v === 'string' && k.endsWith('Profile')) lines.push(`profile ${name} ${k.replace('Profile', '')} (per step):\n${v}`);
    }
  }
  return lines.join('\n');
}
