/**
 * The training report: loss and accuracy curves (and, for `--plasticity` runs, the plasticity
 * diagnostics) as SVG files and one self-contained HTML page.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from 'nabla/node';
import { trainingCharts, type PlasticityCharts, type TrainingCharts } from './charts.js';
import type { EpochRecord } from './trainer.js';

export interface ReportSummary {
  title: string;
  /** Name/value rows shown above the charts (data, model, parameters, test accuracy…). */
  facts: [string, string][];
  history: readonly EpochRecord[];
}

/** The SVG file of each diagnostics chart in the report folder. */
export const PLASTICITY_FILES: Record<keyof PlasticityCharts, string> = {
  deadUnits: 'dead-units.svg',
  effectiveRank: 'effective-rank.svg',
  stableRank: 'stable-rank.svg',
  meanAbsWeight: 'mean-abs-weight.svg',
};

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number | null, digits = 4): string => (v === null ? '–' : v.toFixed(digits));
/** Per-layer values in one cell, hidden layer 1 first. */
const perLayer = (values: readonly number[], digits: number, scale = 1): string =>
  values.map((v) => (v * scale).toFixed(digits)).join(' / ');

/** The diagnostics cells of an epoch row (dashes for an epoch that was not measured). */
function plasticityCells(r: EpochRecord): string {
  const p = r.plasticity;
  const cells = p
    ? [perLayer(p.deadFraction, 1, 100), perLayer(p.effectiveRank, 2), perLayer(p.stableRank, 2), fmt(p.meanAbsWeight)]
    : ['–', '–', '–', '–'];
  return cells.map((c) => `<td>${c}</td>`).join('');
}

/** The HTML page: facts, the charts inline, and the per-epoch table. No external resources. */
export function reportHtml(summary: ReportSummary, charts: TrainingCharts): string {
  const facts = summary.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const diagnostics = charts.plasticity !== undefined;
  const rows = summary.history
    .map(
      (r) =>
        `<tr><td>${r.epoch}</td><td>${fmt(r.loss)}</td><td>${fmt(r.accuracy)}</td><td>${fmt(r.valLoss)}</td><td>${fmt(r.valAccuracy)}</td>${diagnostics ? plasticityCells(r) : ''}<td>${r.seconds.toFixed(2)}</td><td>${Math.round(r.samplesPerSecond)}</td></tr>`,
    )
    .join('\n');
  const figures = [charts.loss, charts.accuracy, ...(charts.plasticity ? Object.values(charts.plasticity) : [])]
    .map((svg) => `<figure>${svg}</figure>`)
    .join('');
  const plasticityHeads = diagnostics
    ? '<th>dead units %</th><th>effective rank</th><th>stable rank</th><th>mean |w|</th>'
    : '';
  // Several hidden layers share a cell: say how to read it.
  const note = diagnostics
    ? '\n<p>Dead units, effective rank and stable rank: one value per hidden layer, the first layer first, separated by /.</p>'
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(summary.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts figure{margin:0}
</style></head><body>
<h1>${escapeHtml(summary.title)}</h1>
<table>${facts}</table>
<div class="charts">${figures}</div>
<h2>Epochs</h2>${note}
<table><tr><th>epoch</th><th>loss</th><th>accuracy</th><th>val loss</th><th>val accuracy</th>${plasticityHeads}<th>seconds</th><th>samples/s</th></tr>
${rows}</table>
</body></html>
`;
}

/**
 * Writes `dir/loss.svg`, `dir/accuracy.svg`, the diagnostics charts (`PLASTICITY_FILES`) when
 * the history has them, and `dir/report.html`; returns the HTML path.
 */
export async function writeReport(dir: string, summary: ReportSummary): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const charts = await trainingCharts(summary.history);
  writeFileAtomic(join(dir, 'loss.svg'), charts.loss);
  writeFileAtomic(join(dir, 'accuracy.svg'), charts.accuracy);
  if (charts.plasticity)
    for (const [key, file] of Object.entries(PLASTICITY_FILES))
      writeFileAtomic(join(dir, file), charts.plasticity[key as keyof PlasticityCharts]);
  const html = join(dir, 'report.html');
  writeFileAtomic(html, reportHtml(summary, charts));
  return html;
}
