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

test('library errors carry their kind', async () => {
  const { zeros, tensor, nn, optim, io, parseCsv } = await import('../../src/index.js');
  const KINDS: [string, () => unknown, new (...a: never[]) => Error][] = [
    ['broadcast', () => zeros([2, 3]).add(zeros([4, 3])), ShapeError],
    ['matmul', () => zeros([2, 3]).matmul(zeros([4, 5])), ShapeError],
    ['reshape', () => zeros([2, 3]).reshape(4, 2), ShapeError],
    ['sum dim', () => zeros([2, 3]).sum(5), IndexError],
    ['select index', () => zeros([2, 3]).select(1, 3), IndexError],
    ['mean of int32', () => zeros([2], { dtype: 'int32' }).mean(), DTypeError],
    ['unknown dtype', () => tensor([1], { dtype: 'int64' as never }), DTypeError],
    ['int32 overflow', () => tensor([3e9], { dtype: 'int32' }), DTypeError],
    ['negative lr', () => new optim.SGD([zeros([1], { requiresGrad: true })], { lr: -1 }), OptionError],
    ['unknown option', () => new nn.Linear(2, 2, { bais: false } as never), OptionError],
    ['loadStateDict keys', () => new nn.Linear(2, 2).loadStateDict({}), StateError],
    ['in place on a leaf', () => zeros([2], { requiresGrad: true }).add_(1), StateError],
    ['safetensors bytes', () => io.decodeSafetensors(new Uint8Array(3)), FormatError],
    ['ragged CSV', () => parseCsv('a,b\n1\n'), FormatError],
  ];
  for (const [what, call, Kind] of KINDS) {
    assert.throws(call, (e: unknown) => e instanceof Kind && e instanceof NablaError, what);
  }
});
