/** Pulls every `@example` block out of the TSDoc comments under src/. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Example {
  /** Source file, relative to the repository root. */
  file: string;
  /** 1-based line of the `@example` tag. */
  line: number;
  /** The example's code, comment stars and code fences removed. */
  code: string;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield path;
  }
}

/** The examples of one file's text: from `@example` to the next tag or the comment's end. */
export function examplesIn(text: string, file: string): Example[] {
  const out: Example[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // `@example` opens a block line (` * @example`) or sits inline in a one-line `/** … @example code */`.
    if (!/^\s*(\/\*\*|\*).*@example\b/.test(lines[i])) continue;
    const after = lines[i].replace(/^.*?@example\b\s*/, '');
    const closed = /\*\//.test(after);
    const inline = after.replace(/\s*\*\/.*$/, '');
    const body: string[] = inline ? [inline] : [];
    let j = i + 1;
    for (; j < lines.length && !closed; j++) {
      const l = lines[j];
      if (/^\s*\*\//.test(l) || /^\s*\*\s*@\w+/.test(l)) break;
      body.push(l.replace(/^\s*\* ?/, '').replace(/\s*\*\/\s*$/, ''));
      if (/\*\//.test(l)) break;
    }
    const code = body
      .filter((l) => !/^\s*```/.test(l))
      .join('\n')
      .trim();
    if (code) out.push({ file, line: i + 1, code });
    i = j - 1;
  }
  return out;
}

/** Every example under `srcDir`, in file order. */
export function collectExamples(root: string, srcDir = 'src'): Example[] {
  const out: Example[] = [];
  for (const path of walk(join(root, srcDir)))
    out.push(...examplesIn(readFileSync(path, 'utf8'), relative(root, path)));
  return out;
}
