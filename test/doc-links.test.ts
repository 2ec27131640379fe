/**
 * Every relative link in README.md, docs/ and the packages' READMEs points to a file or folder
 * that exists, and a `#fragment` to a heading in the target document (GitHub's anchor rules).
 * Files move; this catches the documentation pointing at where they used to be.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

function markdownUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return markdownUnder(path);
      return name.endsWith('.md') ? [path] : [];
    });
}

/** The documents checked: the front page, docs/, and each package's README files. */
function documents(): string[] {
  const packageReadmes = readdirSync(join(ROOT, 'packages')).flatMap((p) =>
    [join(ROOT, 'packages', p, 'README.md'), join(ROOT, 'packages', p, 'data', 'README.md')].filter((f) =>
      existsSync(f),
    ),
  );
  return [join(ROOT, 'README.md'), ...markdownUnder(join(ROOT, 'docs')), ...packageReadmes];
}

/** Markdown without fenced code blocks and inline code, where `[x](y)` is not a link. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link targets in a document: `[text](target)` and `[text]: target`. */
function links(file: string): string[] {
  const text = prose(readFileSync(file, 'utf8'));
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const defs = [...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]);
  return [...inline, ...defs].filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

test('slug follows GitHub', () => {
  assert.equal(slug('Tensors and autograd'), 'tensors-and-autograd');
  assert.equal(slug('The `nabla` command line and web app'), 'the-nabla-command-line-and-web-app');
  assert.equal(slug('Training: `fit`, callbacks, evaluation'), 'training-fit-callbacks-evaluation');
});

test('relative links in README.md and docs/ point to files and headings that exist', () => {
  const files = documents();
  assert.ok(files.length >= 10, `found only ${files.length} documents`);
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const target of links(file)) {
      checked++;
      const [path, fragment] = target.split('#', 2);
      const dest = path ? resolve(dirname(file), decodeURI(path)) : file;
      const where = `${relative(ROOT, file)}: (${target})`;
      if (!existsSync(dest)) {
        broken.push(`${where}: no such file`);
        continue;
      }
      if (fragment && dest.endsWith('.md') && !anchors(dest).has(fragment))
        broken.push(`${where}: no heading #${fragment} in ${relative(ROOT, dest)}`);
    }
  }
  assert.ok(checked > 20, `only ${checked} links found: the link pattern is broken`);
  assert.deepEqual(broken, []);
});
