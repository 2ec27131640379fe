import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { BodyBuffers, readBody } from '../../src/server/body.js';

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

async function rejectsWith(p: Promise<unknown>, statusCode: number, code: string, message: RegExp) {
  await assert.rejects(p, (e: Error & { statusCode?: number; code?: string }) => {
    assert.equal(e.statusCode, statusCode);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('a body with a Content-Length is read into one buffer of that size, in order', async () => {
  const body = await readBody(chunks('{"rows"', ': [[1, 2]', ']}'), '18', 100);
  assert.equal(body.toString(), '{"rows": [[1, 2]]}');
  assert.equal(body.byteOffset, 0);
  assert.equal(body.byteLength, 18);
});

test('a chunked body (no Content-Length) is joined at its end', async () => {
  assert.equal((await readBody(chunks('ab', 'cd', 'e'), undefined, 100)).toString(), 'abcde');
});

test('bodies over the limit are 413, by their Content-Length or by the bytes that arrive', async () => {
  await rejectsWith(readBody(chunks('x'), '101', 100), 413, 'FST_ERR_CTP_BODY_TOO_LARGE', /too large/);
  await rejectsWith(
    readBody(chunks('a'.repeat(60), 'b'.repeat(60)), undefined, 100),
    413,
    'FST_ERR_CTP_BODY_TOO_LARGE',
    /too large/,
  );
});

test('a body shorter than its Content-Length, or a Content-Length that is no count, is 400', async () => {
  await rejectsWith(
    readBody(chunks('abc'), '10', 100),
    400,
    'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
    /after 3 of the 10 bytes/,
  );
  await rejectsWith(
    readBody(chunks('abc'), '3.5', 100),
    400,
    'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
    /invalid Content-Length '3.5'/,
  );
});

test('large bodies reuse the memory a worker hands back; small ones and shared-pool buffers do not', async () => {
  const buffers = new BodyBuffers(1024, 2, 256);
  const big = await readBody(chunks('x'.repeat(300), 'y'.repeat(200)), '500', 1024, buffers);
  assert.equal(big.byteLength, 500);
  assert.equal(big.buffer.byteLength, 1024, 'a view of a pooled buffer');
  assert.ok(buffers.movable(big));
  assert.equal(big.subarray(299, 301).toString(), 'xy');

  // A worker moves the memory back: a new ArrayBuffer object over it, taken by the next large body.
  const memory = big.buffer as ArrayBuffer;
  const back = structuredClone(memory, { transfer: [memory] });
  assert.equal(memory.byteLength, 0, 'moved, not copied');
  buffers.give(back);
  const next = buffers.take(400);
  assert.equal(next.buffer, back);
  assert.ok(buffers.movable(next));

  const small = buffers.take(100);
  assert.equal(small.buffer.byteLength, 100, 'a small body has memory of its own');
  assert.ok(buffers.movable(small));
  assert.equal(buffers.movable(Buffer.from('abc')), false, "a slice of Node's shared pool never moves");
  buffers.give(new ArrayBuffer(100)); // not the pool's size: left to the GC
  assert.notEqual(buffers.take(300).buffer.byteLength, 100);
});
