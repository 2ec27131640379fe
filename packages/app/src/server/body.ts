/**
 * Reads a request body into one buffer as it arrives. With a Content-Length the buffer is
 * allocated once at that size and each chunk is copied in on its own turn of the event loop, so a
 * 5 MB body never costs one long copy at its end (Fastify's `parseAs: 'buffer'` concatenates the
 * chunks when the body ends: 29-33 ms per 5 MB body in a --cpu-prof of the server on the 2-core
 * VM; several ending together held GET /api/model 205-580 ms under the load test).
 * The buffer starts at offset 0 of its memory, so it can be transferred to a worker without a
 * copy; large ones come from `BodyBuffers`, whose memory the workers hand back for the next body.
 */
import type { Readable } from 'node:stream';

/**
 * Reused memory for large bodies: buffers of one capacity (the body limit) taken for a body and
 * given back once a worker is done with it, at most `keep` of them held free.
 * @example
 * const buffers = new BodyBuffers(5 << 20, 4);
 * const b = buffers.take(3_000_000); // 3 MB view of a 5 MiB buffer
 * buffers.give(b.buffer);
 */
export class BodyBuffers {
  private readonly free: ArrayBuffer[] = [];
  private readonly mine = new WeakSet<ArrayBuffer>();

  /**
   * @param capacity bytes of each pooled buffer (the largest body)
   * @param keep free buffers held at most
   * @param minPooled smaller bodies get a buffer of their own
   */
  constructor(
    readonly capacity: number,
    private readonly keep: number,
    private readonly minPooled = 1 << 18,
  ) {}

  /** A buffer of `length` bytes at offset 0 of its memory. */
  take(length: number): Buffer {
    if (length < this.minPooled || length > this.capacity) return Buffer.allocUnsafeSlow(length);
    let memory = this.free.pop();
    if (!memory) {
      memory = new ArrayBuffer(this.capacity);
      this.mine.add(memory);
    }
    return Buffer.from(memory, 0, length);
  }

  /**
   * Whether `bytes` may move to another thread: it is one of these buffers, or a view of all of
   * its own memory (a small buffer from Node's shared pool is not: moving it would take the pool).
   */
  movable(bytes: Uint8Array): boolean {
    const memory = bytes.buffer;
    if (!(memory instanceof ArrayBuffer) || bytes.byteOffset !== 0) return false;
    return this.mine.has(memory) || bytes.byteLength === memory.byteLength;
  }

  /** Takes back the memory of a taken buffer, as a worker moves it back (others are left to the GC). */
  give(memory: ArrayBuffer): void {
    // Memory that went to a worker and back is a new ArrayBuffer object over the same bytes.
    if (memory.byteLength !== this.capacity || this.free.length >= this.keep) return;
    this.mine.add(memory);
    this.free.push(memory);
  }
}

/** A client error with Fastify's codes, so the server's error handler names it. */
function bodyError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

/**
 * The whole body of `payload`, at most `limit` bytes: 413 (`FST_ERR_CTP_BODY_TOO_LARGE`) when
 * the declared length or the bytes received exceed it, 400 (`FST_ERR_CTP_INVALID_CONTENT_LENGTH`)
 * when the body ends short of its Content-Length. With `buffers`, a large body's memory comes from
 * there (give it back when done).
 * @example
 * app.addContentTypeParser('application/json', (req, payload) =>
 *   readBody(payload, req.headers['content-length'], 5 << 20));
 */
export function readBody(
  payload: Readable,
  contentLength: string | undefined,
  limit: number,
  buffers?: BodyBuffers,
): Promise<Buffer> {
  const declared = contentLength === undefined ? null : Number(contentLength);
  if (declared !== null && !(Number.isSafeInteger(declared) && declared >= 0)) {
    return Promise.reject(
      bodyError(400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', `invalid Content-Length '${contentLength}'`),
    );
  }
  // The body's flow (pause, resume, draining what is refused) stays with the server's read queue.
  if (declared !== null && declared > limit) {
    return Promise.reject(bodyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'));
  }
  return new Promise((resolve, reject) => {
    // Known length: one buffer filled in place. Unknown (chunked): the chunks, joined at the end.
    const whole = declared === null ? null : (buffers?.take(declared) ?? Buffer.allocUnsafeSlow(declared));
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (e: Error) => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      if (received + chunk.length > (declared ?? limit)) {
        fail(bodyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'));
        return;
      }
      if (whole) chunk.copy(whole, received);
      else chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = () => {
      payload.off('error', fail);
      if (whole && received !== declared) {
        reject(
          bodyError(
            400,
            'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
            `the body ended after ${received} of the ${declared} bytes its Content-Length declares`,
          ),
        );
        return;
      }
      resolve(whole ?? Buffer.concat(chunks, received));
    };
    payload.on('data', onData);
    payload.once('end', onEnd);
    payload.once('error', fail);
  });
}
