/** Turns the benchmark's raw runs into the printed tables, the ratios, the targets and the docs table. */
import type { Row } from './peers.js';

export interface Report {
  date: string;
  machine: { cpu: string; cores: number; node: string; loadBefore: number[]; loadAfter?: number[] };
  peak: { one: number; all: number } | null;
  runs: Record<string, Row>;
  memory: Row | null;
  /** Lines printed under the tables (environment, skipped parts). */
  notes: string[];
}

interface Workload {
  key: string;
  label: string;
  unit: string;
  higher: boolean;
}

export const WORKLOADS: readonly Workload[] = [
  { key: 'sgemm', label: 'sgemm 1024×1024×1024', unit: 'GFLOP/s', higher: true },
  { key: 'mlp', label: 'MLP 784-512-256-10 train b128, SGD-momentum', unit: 'samples/s', higher: true },
  { key: 'lenet', label: 'LeNet-5 train b64, SGD-momentum', unit: 'samples/s', higher: true },
  { key: 'infer', label: 'MLP 784-256-256-10 inference b1', unit: 'µs', higher: false },
  { key: 'step1', label: 'MLP 20-5-1 train step b1, SGD', unit: 'µs', higher: false },
  { key: 'fashionMlp', label: 'Fashion-MNIST MLP, 469 Adam steps + load + test', unit: 's', higher: false },
  { key: 'fashionCnn', label: 'Fashion-MNIST CNN, 50 Adam steps + load + test', unit: 's', higher: false },
];

function num(row: Row | undefined, key: string): number | null {
  const v = row?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Best value of `key` over the runs whose name matches (max rate, min time). */
function best(
  runs: Record<string, Row>,
  match: (name: string) => boolean,
  key: string,
  higher: boolean,
): { value: number; run: string } | null {
  let out: { value: number; run: string } | null = null;
  for (const [name, row] of Object.entries(runs)) {
    const v = num(row, key);
    if (!match(name) || v === null) continue;
    if (!out || (higher ? v > out.value : v < out.value)) out = { value: v, run: name };
  }
  return out;
}

const isTorch = (name: string): boolean => name.startsWith('torch-');
/** nabla's best run of one backend (1 thread or all cores; relaxed-SIMD runs apart), as PyTorch's best thread count is its reference. */
const isNabla =
  (backend: string) =>
  (name: string): boolean =>
    new RegExp(`^nabla-${backend}-\\d+t$`).test(name);

function fmt(v: number | null): string {
  if (v === null) return '-';
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function times(v: number | null): string {
  return v === null ? '-' : `${fmt(v)}×`;
}

/** Speed of `a` relative to `b` (>1: a is faster), for rates and times alike. */
function speedRatio(a: number | null, b: number | null, higher: boolean): number | null {
  if (a === null || b === null || a === 0 || b === 0) return null;
  return higher ? a / b : b / a;
}

interface Ratio {
  native: number | null;
  wasm: number | null;
  tfjsWasm: number | null;
}

function ratios(r: Report): Record<string, Ratio> {
  const out: Record<string, Ratio> = {};
  for (const w of WORKLOADS) {
    const torch = best(r.runs, isTorch, w.key, w.higher)?.value ?? null;
    const native = best(r.runs, isNabla('native'), w.key, w.higher)?.value ?? null;
    const wasm = best(r.runs, isNabla('wasm'), w.key, w.higher)?.value ?? null;
    out[w.key] = {
      native: speedRatio(native, torch, w.higher),
      wasm: speedRatio(wasm, torch, w.higher),
      tfjsWasm: speedRatio(wasm, num(r.runs['tfjs-wasm'], w.key), w.higher),
    };
  }
  return out;
}

/** The columns of the main table and how each cell is found (PyTorch: best BLAS build per thread count). */
function columns(r: Report): { name: string; cell: (key: string, higher: boolean) => number | null }[] {
  const n = r.machine.cores;
  const names = [
    ...new Set([
      'nabla-js',
      'nabla-wasm-1t',
      `nabla-wasm-${n}t`,
      `nabla-wasm-${n}t-fma`,
      'nabla-native-1t',
      `nabla-native-${n}t`,
      'tfjs-cpu',
      'tfjs-wasm',
      'torch-1t',
      `torch-${n}t`,
    ]),
  ];
  return names
    .filter((c) => Object.keys(r.runs).some((run) => run === c || (run.startsWith(`${c}-`) && isTorch(c))))
    .map((c) => ({
      name: c,
      cell: (key, higher) =>
        isTorch(c) ? (best(r.runs, (x) => x.startsWith(`${c}-`), key, higher)?.value ?? null) : num(r.runs[c], key),
    }));
}

function pad(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines;
}

function tableRows(r: Report): string[][] {
  const cols = columns(r);
  const q = ratios(r);
  const rows = [['workload', 'unit', ...cols.map((c) => c.name), 'native÷torch', 'wasm÷torch', 'wasm÷tfjs-wasm']];
  for (const w of WORKLOADS) {
    const vals = cols.map((c) => c.cell(w.key, w.higher));
    if (vals.every((v) => v === null)) continue;
    rows.push([
      w.label,
      w.unit,
      ...vals.map(fmt),
      times(q[w.key].native),
      times(q[w.key].wasm),
      times(q[w.key].tfjsWasm),
    ]);
  }
  return rows;
}

/** Single-threaded rates per second of process CPU time: what a busy machine distorts least. */
function cpuTable(r: Report): string[] {
  const cols = ['nabla-js', 'nabla-wasm-1t', 'nabla-native-1t', 'tfjs-cpu', 'tfjs-wasm', 'torch-1t'];
  const cell = (col: string, key: string, higher: boolean): number | null =>
    isTorch(col)
      ? (best(r.runs, (x) => x.startsWith(`${col}-`), `${key}Cpu`, higher)?.value ?? null)
      : num(r.runs[col], `${key}Cpu`);
  const rows = [['per CPU-second, 1 thread', 'unit', ...cols, 'native÷torch', 'wasm÷torch']];
  for (const w of WORKLOADS.filter((x) => !x.key.startsWith('fashion'))) {
    const vals = cols.map((c) => cell(c, w.key, w.higher));
    if (vals.every((v) => v === null)) continue;
    rows.push([
      w.label,
      w.unit,
      ...vals.map(fmt),
      times(speedRatio(vals[2], vals[5], w.higher)),
      times(speedRatio(vals[1], vals[5], w.higher)),
    ]);
  }
  return rows.length > 1 ? pad(rows) : [];
}

/** Which BLAS each side ran on, the references, the FMA peak, memory. */
function notes(r: Report): string[] {
  const n = r.machine.cores;
  const lines = [...r.notes];
  const blas = [
    ...new Set(
      Object.entries(r.runs)
        .filter(([k]) => k.startsWith('nabla-native'))
        .map(([, v]) => v.blas)
        .filter(Boolean),
    ),
  ];
  const kernels = [
    ...new Set(
      Object.entries(r.runs)
        .filter(([k]) => k.startsWith('nabla-native'))
        .map(([, v]) => (v as { kernels?: string }).kernels)
        .filter(Boolean),
    ),
  ];
  if (blas.length)
    lines.push(
      `nabla native: ${blas.join(', ')} for GEMMs; ${kernels.join(', ') || "nabla's compiled kernels"} for optimizer steps, ReLU, elementwise arithmetic, sums, pooling, batch norm, im2col, direct convolutions, dropout masks, and one thread pool splitting GEMMs and kernels alike; WASM kernels for the rest`,
    );
  const torchRef = WORKLOADS.map((w) => `${w.key} ${best(r.runs, isTorch, w.key, w.higher)?.run ?? '-'}`).join(', ');
  lines.push(
    `PyTorch reference = its best run per workload (${torchRef}); ratios: nabla's best native / WASM run relative to it (>1 = nabla faster)`,
  );
  const sgemm = best(r.runs, isNabla('native'), 'sgemm', true) ?? best(r.runs, isNabla('wasm'), 'sgemm', true);
  if (r.peak)
    lines.push(
      `FMA register peak (AVX2, measured): ${fmt(r.peak.one)} GFLOP/s on 1 core, ${fmt(r.peak.all)} on ${n}; nabla's best sgemm ${fmt(sgemm?.value ?? null)} (${sgemm?.run ?? '-'})`,
    );
  for (const key of ['fashionMlp', 'fashionCnn']) {
    // The recipes' own training time, without process start, data loading and the test pass.
    const train = Object.entries(r.runs)
      .filter(([, v]) => typeof v[`${key}Train`] === 'number')
      .map(([k, v]) => `${k} ${fmt(Number(v[`${key}Train`]))}`);
    const acc = Object.entries(r.runs)
      .filter(([, v]) => typeof v[`${key}Accuracy`] === 'number')
      .map(([k, v]) => `${k} ${(100 * Number(v[`${key}Accuracy`])).toFixed(1)}%`);
    if (train.length) lines.push(`${key}: training alone (s): ${train.join(', ')}; test accuracy: ${acc.join(', ')}`);
  }
  const mem = r.memory;
  if (mem && typeof mem.rssBeforeMiB === 'number') {
    lines.push(
      `memory: RSS ${mem.rssBeforeMiB} MiB before -> ${mem.rssAfterMiB} MiB after ${mem.steps} MLP training steps (${String(mem.backend)} backend; every tenth: ${(mem.rssSamplesMiB as unknown as number[]).join(', ')}; ${Number(mem.seconds).toFixed(0)} s)`,
    );
  }
  return lines;
}

/** The issue's targets (wall clock). */
function targets(r: Report): string[] {
  const q = ratios(r);
  const out = ['targets (wall clock):'];
  const check = (name: string, value: number | null, min: number): void => {
    out.push(
      `  [${value === null ? 'n/a ' : value >= min ? 'PASS' : 'FAIL'}] ${name}: ${fmt(value)}× (needs ≥ ${fmt(min)}×)`,
    );
  };
  check('native MLP training vs PyTorch', q.mlp.native, 1);
  check('native LeNet-5 training vs PyTorch', q.lenet.native, 1);
  check('native sgemm 1024 vs PyTorch', q.sgemm.native, 0.9);
  check('native Fashion-MNIST MLP recipe (time ≤ 1.2× PyTorch)', q.fashionMlp.native, 1 / 1.2);
  check('native Fashion-MNIST CNN recipe (time ≤ 1.2× PyTorch)', q.fashionCnn.native, 1 / 1.2);
  check('native batch-1 training step vs PyTorch', q.step1.native, 1);
  check('native batch-1 inference vs PyTorch', q.infer.native, 1);
  check('wasm MLP training vs PyTorch', q.mlp.wasm, 0.3);
  const mem = r.memory;
  if (mem && typeof mem.rssBeforeMiB === 'number') {
    const flat = Number(mem.rssAfterMiB) <= Number(mem.rssBeforeMiB) * 1.1;
    out.push(
      `  [${flat ? 'PASS' : 'FAIL'}] RSS flat over the long run (after ≤ 1.1× before): ${mem.rssBeforeMiB} -> ${mem.rssAfterMiB} MiB`,
    );
  }
  return out;
}

export function formatReport(r: Report): string {
  const m = r.machine;
  const lines = [
    `machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore.join(' ')} -> ${m.loadAfter?.join(' ') ?? '?'}; ${r.date}`,
  ];
  lines.push(...pad(tableRows(r)), ...notes(r), ...targets(r), '', ...cpuTable(r));
  for (const [name, row] of Object.entries(r.runs)) {
    for (const [k, v] of Object.entries(row)) {
      if (typeof v === 'string' && (k === 'error' || k.endsWith('Error'))) lines.push(`note: ${name} ${k}: ${v}`);
      if (typeof v === 'string' && k.endsWith('Profile'))
        lines.push(`profile ${name} ${k.replace('Profile', '')} (per step):\n${v}`);
    }
  }
  return lines.join('\n');
}

/** The section of docs/performance.md between the bench markers: the table in Markdown and its notes. */
export function formatMarkdown(r: Report): string {
  const m = r.machine;
  const rows = tableRows(r);
  const [head, ...body] = rows;
  const md = [
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, Node ${m.node} (load average ${m.loadBefore.join(' ')} before, ${m.loadAfter?.join(' ') ?? '?'} after); from \`bench/results/latest.json\`.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
    ...body.map((row) => `| ${row.join(' | ')} |`),
    '',
    ...notes(r).map((l) => `- ${l}`),
    '',
    '```',
    ...targets(r),
    '```',
  ];
  return md.join('\n');
}
