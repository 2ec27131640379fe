/**
 * Turns the results of the continual-learning examples into the README's tables and two SVG
 * plots (written atomically next to this file):
 *
 *   node --conditions=nabla-source --import tsx examples/continual/report.ts
 *
 * Reads results/regression/*.json and results/permuted-fashion-mnist*.json; rewrites the parts of
 * README.md between `<!-- regression-table -->` / `<!-- pfm-table -->` markers and their `<!-- end -->`.
 */
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = new URL('.', import.meta.url).pathname;

interface Series {
  name: string;
  x: number[];
  y: number[];
  color: string;
  dashed?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** One panel: lines over shared axes, with a legend, as an SVG group at (ox, oy). */
function panel(title: string, xLabel: string, yLabel: string, series: Series[], ox: number, oy: number): string {
  const w = 440;
  const h = 260;
  const left = 50;
  const bottom = 36;
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => s.y).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const px = (x: number) => ox + left + ((x - x0) / (x1 - x0 || 1)) * (w - left - 10);
  const py = (y: number) => oy + 20 + (1 - (y - y0) / (y1 - y0)) * (h - bottom - 20);
  const out: string[] = [];
  out.push(`<text x="${ox + w / 2}" y="${oy + 14}" text-anchor="middle" font-weight="bold">${title}</text>`);
  out.push(
    `<rect x="${ox + left}" y="${oy + 20}" width="${w - left - 10}" height="${h - bottom - 20}" fill="none" stroke="#999"/>`,
  );
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4;
    out.push(
      `<text x="${ox + left - 4}" y="${(py(yv) + 4).toFixed(1)}" text-anchor="end" font-size="10">${yv.toPrecision(3)}</text>`,
    );
    const xv = x0 + ((x1 - x0) * k) / 4;
    out.push(
      `<text x="${px(xv).toFixed(1)}" y="${oy + h - bottom + 14}" text-anchor="middle" font-size="10">${Number(xv.toPrecision(3))}</text>`,
    );
  }
  out.push(
    `<text x="${ox + left + (w - left) / 2}" y="${oy + h - 6}" text-anchor="middle" font-size="11">${xLabel}</text>`,
  );
  out.push(
    `<text x="${ox + 12}" y="${oy + h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${ox + 12} ${oy + h / 2})">${yLabel}</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.x.map((x, k) => `${px(x).toFixed(1)},${py(s.y[k]).toFixed(1)}`).join(' ');
    out.push(
      `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    out.push(
      `<text x="${ox + w - 14}" y="${oy + 34 + i * 13}" text-anchor="end" font-size="10" fill="${s.color}">${s.name}</text>`,
    );
  });
  return out.join('\n');
}

function svg(title: string, panels: string[], columns: number, rows: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${440 * columns}" height="${270 * rows}" font-family="sans-serif" font-size="12">\n<title>${title}</title>\n<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n</svg>\n`;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

interface RegressionRun {
  variant: 'all' | 'one';
  config: string;
  seed: number;
  examples: number;
  bin: number;
  errors: number[];
  replaced: number;
  seconds: number;
  stepsPerSecond: number;
}

function regression(): { table: string; svg: string } | null {
  const dir = join(DIR, 'results', 'regression');
  if (!existsSync(dir)) return null;
  const runs: RegressionRun[] = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  const order = ['bp-relu', 'cbp-relu', 'bp-relu-lr0.003', 'bp-relu-lr0.001', 'linear', 'bp-tanh', 'cbp-tanh'];
  const lines = [
    '| flipping bits | learner | seeds | examples | error, first bin | error, last 5 bins | units replaced | time per run | steps/s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const panels: string[] = [];
  for (const variant of ['all', 'one'] as const) {
    const series: Series[] = [];
    for (const config of order) {
      const rs = runs.filter((r) => r.variant === variant && r.config === config);
      if (rs.length === 0) continue;
      const bins = Math.min(...rs.map((r) => r.errors.length));
      const curve = Array.from({ length: bins }, (_, k) => mean(rs.map((r) => r.errors[k])));
      const last = curve.slice(-5);
      lines.push(
        `| ${variant === 'all' ? 'all 15 redrawn' : 'one flipped'} | ${config} | ${rs.length} | ${rs[0].examples.toLocaleString('en')} | ${curve[0].toFixed(3)} | ${mean(last).toFixed(3)} | ${mean(rs.map((r) => r.replaced)).toFixed(0)} | ${mean(rs.map((r) => r.seconds)).toFixed(0)} s | ${mean(rs.map((r) => r.stepsPerSecond)).toFixed(0)} |`,
      );
      series.push({
        name: `${config} (${rs.length} seed${rs.length > 1 ? 's' : ''})`,
        x: curve.map((_, k) => ((k + 1) * rs[0].bin) / 1000),
        y: curve,
        color: COLORS[order.indexOf(config)],
        dashed: config === 'linear',
      });
    }
    if (series.length > 0)
      panels.push(
        panel(
          `Slowly-changing regression: ${variant === 'all' ? 'all 15 bits redrawn' : 'one bit flipped'} every 10k steps`,
          'examples (thousands)',
          'squared error per bin',
          series,
          panels.length * 440,
          0,
        ),
      );
  }
  return {
    table: lines.join('\n'),
    svg: svg('Slowly-changing regression: squared error per bin', panels, Math.max(panels.length, 1), 1),
  };
}

interface PfmResult {
  tasks: number;
  images: number;
  probe: number;
  lr: number;
  seed: number;
  learners: {
    name: string;
    accuracy: number[];
    deadFraction: number[];
    effectiveRank: number[];
    meanAbsWeight: number[];
    replaced: number;
    seconds: number;
    stepsPerSecond: number;
  }[];
}

/**
 * Every results/permuted-fashion-mnist*.json (methods may run in separate processes, and finish
 * different numbers of tasks): each learner keeps all its tasks; "common" columns use the tasks
 * every learner finished.
 */
function permuted(): { table: string; svg: string } | null {
  const files = readdirSync(join(DIR, 'results'))
    .filter((f) => /^permuted-fashion-mnist.*\.json$/.test(f))
    .sort();
  if (files.length === 0) return null;
  const parts: PfmResult[] = files.map((f) => JSON.parse(readFileSync(join(DIR, 'results', f), 'utf8')));
  for (const p of parts)
    if (p.images !== parts[0].images || p.lr !== parts[0].lr || p.seed !== parts[0].seed || p.probe !== parts[0].probe)
      throw new Error(`${files.join(', ')}: the runs differ in images, lr, seed or probe`);
  const common = Math.min(...parts.map((p) => p.tasks));
  const order = ['bp', 'l2', 'snp', 'redo', 'cbp'];
  const r: PfmResult = {
    ...parts[0],
    tasks: common,
    learners: parts.flatMap((p) => p.learners).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)),
  };
  const lines = [
    `Tasks of ${r.images} images, SGD step size ${r.lr}, seed ${r.seed}; diagnostics on ${r.probe} images of each task after it. Every method finished tasks 1–${common}.`,
    '',
    `| method | tasks run | accuracy, tasks 1–10 | best 10-task mean | accuracy, tasks ${common - 9}–${common} | accuracy, its last 10 tasks | dead units, last task | effective rank, last task | mean \\|w\\|, last task | units replaced | time | steps/s |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const window = (v: number[], k: number) => mean(v.slice(k, k + 10));
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  for (const l of r.learners) {
    const n = l.accuracy.length;
    let best = 0;
    for (let k = 0; k + 10 <= n; k++) best = Math.max(best, window(l.accuracy, k));
    lines.push(
      `| ${l.name} | ${n} | ${pct(window(l.accuracy, 0))} | ${pct(best)} | ${pct(window(l.accuracy, common - 10))} | ${pct(mean(l.accuracy.slice(-10)))} | ${pct(l.deadFraction[n - 1])} | ${l.effectiveRank[n - 1].toFixed(1)} | ${l.meanAbsWeight[n - 1].toFixed(4)} | ${l.replaced} | ${l.seconds.toFixed(0)} s | ${l.stepsPerSecond.toFixed(0)} |`,
    );
  }
  // Accuracy smoothed over 5 tasks, so the trend shows through the per-task noise.
  const smooth = (v: number[]) => v.map((_, k) => mean(v.slice(Math.max(0, k - 4), k + 1)));
  const mk = (pick: (l: PfmResult['learners'][number]) => number[], scale = 1): Series[] =>
    r.learners.map((l, i) => ({
      name: l.name,
      x: pick(l).map((_, k) => k + 1),
      y: smooth(pick(l)).map((v) => v * scale),
      color: COLORS[i],
    }));
  const panels = [
    panel(
      'Online accuracy per task (5-task mean)',
      'task',
      'accuracy %',
      mk((l) => l.accuracy, 100),
      0,
      0,
    ),
    panel(
      'Dead units (all hidden layers)',
      'task',
      'dead %',
      mk((l) => l.deadFraction, 100),
      440,
      0,
    ),
    panel(
      'Effective rank (mean over hidden layers)',
      'task',
      'effective rank',
      mk((l) => l.effectiveRank),
      0,
      270,
    ),
    panel(
      'Mean |weight| (mean over layers)',
      'task',
      'mean |w|',
      mk((l) => l.meanAbsWeight),
      440,
      270,
    ),
  ];
  return {
    table: lines.join('\n'),
    svg: svg(
      'Online permuted Fashion-MNIST: accuracy, dead units, effective rank and mean |weight| per task',
      panels,
      2,
      2,
    ),
  };
}

function replaceBetween(text: string, marker: string, body: string): string {
  const start = `<!-- ${marker} -->`;
  const i = text.indexOf(start);
  const j = text.indexOf('<!-- end -->', i);
  if (i < 0 || j < 0) throw new Error(`README.md lacks ${start} … <!-- end -->`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

const readme = join(DIR, 'README.md');
let text = readFileSync(readme, 'utf8');
const reg = regression();
if (reg) {
  writeAtomic(join(DIR, 'slowly-changing-regression.svg'), reg.svg);
  text = replaceBetween(text, 'regression-table', reg.table);
}
const pfm = permuted();
if (pfm) {
  writeAtomic(join(DIR, 'permuted-fashion-mnist.svg'), pfm.svg);
  text = replaceBetween(text, 'pfm-table', pfm.table);
}
writeAtomic(readme, text);
console.log(
  `wrote ${readme}${reg ? ', slowly-changing-regression.svg' : ''}${pfm ? ', permuted-fashion-mnist.svg' : ''}`,
);
