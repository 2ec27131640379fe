/** Writes a bench run's results: bench/results/latest.json and the table in docs/performance.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { formatMarkdown, type Report } from './report.js';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';
const DOC = new URL('../docs/performance.md', import.meta.url).pathname;

const INTRO = `# Performance

\`npm run bench\` (sources in [\`bench/\`](../bench)) times nabla against PyTorch and TF.js on the
same models, shapes, data and optimizer, in one run on one machine, and reports nabla's speed
relative to each. \`npm run bench -- --help\` lists its options.

## Latest results

${START}
${END}
`;

/** Replaces what lies between the bench markers of `doc` with `section` (creating the file if absent). */
export function replaceSection(doc: string, section: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/performance.md lacks the ${START} … ${END} markers`);
  return `${doc.slice(0, start + START.length)}\n${section}\n${doc.slice(end)}`;
}

export function writeResults(report: Report, table: string, log: (msg: string) => void): void {
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}latest.json`, `${JSON.stringify({ ...report, table }, null, 2)}\n`);
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : INTRO;
  writeFileSync(DOC, replaceSection(doc, formatMarkdown(report)));
  log('wrote bench/results/latest.json and the table in docs/performance.md');
}
