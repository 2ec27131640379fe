/** The training report: loss and accuracy curves as SVG files and one self-contained HTML page. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from 'nabla/node';
import { trainingCharts } from './charts.js';
import type { EpochRecord } from './trainer.js';

export interface ReportSummary {
  title: string;
  /** Name/value rows shown above the charts (data, model, parameters, test accuracy…). */
  facts: [string, string][];
  history: readonly EpochRecord[];
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number | null, digits = 4): string => (v === null ? '–' : v.toFixed(digits));

/** The HTML page: facts, both charts inline, and the per-epoch table. No external resources. */
export function reportHtml(summary: ReportSummary, charts: { loss: string; accuracy: string }): string {
  const facts = summary.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const rows = summary.history
    .map(
      (r) =>
        `<tr><td>${r.epoch}</td><td>${fmt(r.loss)}</td><td>${fmt(r.accuracy)}</td><td>${fmt(r.valLoss)}</td><td>${fmt(r.valAccuracy)}</td><td>${r.seconds.toFixed(2)}</td><td>${Math.round(r.samplesPerSecond)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(summary.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts figure{margin:0}
</style></head><body>
<h1>${escapeHtml(summary.title)}</h1>
<table>${facts}</table>
<div class="charts"><figure>${charts.loss}</figure><figure>${charts.accuracy}</figure></div>
<h2>Epochs</h2>
<table><tr><th>epoch</th><th>loss</th><th>accuracy</th><th>val loss</th><th>val accuracy</th><th>seconds</th><th>samples/s</th></tr>
${rows}</table>
</body></html>
`;
}

/** Writes `dir/loss.svg`, `dir/accuracy.svg` and `dir/report.html`; returns the HTML path. */
export async function writeReport(dir: string, summary: ReportSummary): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const charts = await trainingCharts(summary.history);
  writeFileAtomic(join(dir, 'loss.svg'), charts.loss);
  writeFileAtomic(join(dir, 'accuracy.svg'), charts.accuracy);
  const html = join(dir, 'report.html');
  writeFileAtomic(html, reportHtml(summary, charts));
  return html;
}
