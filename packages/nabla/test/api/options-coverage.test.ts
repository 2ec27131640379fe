/**
 * Keeps "every function that takes options checks their keys" true as the library grows: each
 * exported function, and each constructor or public method of an exported class, with a
 * parameter named `options` must call `checkOptions` (or a checker built on it) or hand
 * `options` on to a call that does. options.test.ts then checks the messages, entry by entry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Checkers that call checkOptions themselves. */
const CHECKERS = /\b(checkOptions|checkFitOptions|checkAdamOptions|checkOptionKeys|optionsDType|sizeArgs|like)\(/;

/** Places whose options are not a user's keyword arguments, with why. */
const EXEMPT: Record<string, string> = {
  'tensor/options.ts checkOptions': 'the checker itself',
  'tensor/options.ts requireOption': 'reads one key the caller has checked',
  'tensor/errors.ts NablaError': "Error's own { cause } options",
  'autograd/engine.ts runBackward': 'internal: backward() and grad() check the keys before calling it',
  'io/onnx-ops.ts convertOps': "internal: exportOnnx's own settings, built by exportOnnx",
  'ops/conv.ts geometry': 'internal: conv2d and Conv2d check the keys before calling it',
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'backend' ? [] : files(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Whether `body` passes `options` (whole, or spread) as an argument of some call. */
function delegates(body: ts.Node, sf: ts.SourceFile): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && n.arguments) {
      for (const a of n.arguments) {
        const text = a.getText(sf);
        if (/^options$|\.\.\.options\b|^\{[^}]*\.\.\.options/.test(text)) found = true;
      }
    }
    if (ts.isCallExpression(n) && /^super$/.test(n.expression.getText(sf))) {
      if (n.arguments.some((a) => a.getText(sf) === 'options')) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

test('every public function, constructor and method taking options checks their keys', () => {
  const missing: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const check = (fn: ts.SignatureDeclaration & { body?: ts.Node }, name: string): void => {
      if (!fn.body || !fn.parameters.some((p) => p.name.getText(sf) === 'options')) return;
      const key = `${rel} ${name}`;
      if (key in EXEMPT) return;
      if (CHECKERS.test(fn.body.getText(sf)) || delegates(fn.body, sf)) return;
      missing.push(`${key} (line ${sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1})`);
    };
    for (const stmt of sf.statements) {
      if (ts.isFunctionDeclaration(stmt) && isExported(stmt) && stmt.name) check(stmt, stmt.name.text);
      if (ts.isVariableStatement(stmt) && isExported(stmt)) {
        for (const d of stmt.declarationList.declarations) {
          if (d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer)))
            check(d.initializer, d.name.getText(sf));
          // Method tables installed on Tensor (ops/*.ts: `export const xMethods = { f(this: Tensor, …) {…} }`).
          if (d.initializer && ts.isObjectLiteralExpression(d.initializer)) {
            for (const p of d.initializer.properties)
              if (ts.isMethodDeclaration(p)) check(p, `${d.name.getText(sf)}.${p.name.getText(sf)}`);
          }
        }
      }
      if (ts.isClassDeclaration(stmt) && isExported(stmt) && stmt.name) {
        for (const m of stmt.members) {
          const isPrivate = ((ts.canHaveModifiers(m) && ts.getModifiers(m)) || []).some(
            (x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword,
          );
          if (isPrivate) continue;
          if (ts.isConstructorDeclaration(m)) check(m, stmt.name.text);
          else if (ts.isMethodDeclaration(m)) check(m, `${stmt.name.text}.${m.name.getText(sf)}`);
        }
      }
    }
  }
  assert.deepEqual(missing, [], `options not checked in:\n${missing.join('\n')}`);
});
