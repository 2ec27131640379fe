import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DTypeError,
  FormatError,
  IndexError,
  NablaError,
  OptionError,
  ShapeError,
  StateError,
} from '../../src/index.js';

test('each error class is a NablaError and an Error, named after itself', () => {
  for (const Kind of [ShapeError, IndexError, DTypeError, OptionError, StateError, FormatError]) {
    const e = new Kind('message');
    assert.ok(e instanceof NablaError && e instanceof Error);
    assert.equal(e.name, Kind.name);
    assert.equal(e.message, 'message');
    assert.match(String(e), new RegExp(`^${Kind.name}: message`));
  }
  assert.equal(new NablaError('x').name, 'NablaError');
});

test('a wrapping error keeps its cause', () => {
  const inner = new SyntaxError('bad JSON');
  const outer = new FormatError('model.json is not valid JSON', { cause: inner });
  assert.equal(outer.cause, inner);
});
