/** `nabla serve`: the image-recognition web page and its JSON API (Fastify). */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { openModel } from '../cli/use-commands.js';
import { parameterCount } from '../cli/models.js';
import { BodyBuffers, readBody } from './body.js';
import { defaultWorkers, RETRY_AFTER_S, SERVE_DEFAULTS, type ServeLimits } from './limits.js';
import type { PredictTask } from './predict-task.js';
import { ReadQueue } from './read-queue.js';
import { checkUpload, HttpError } from './upload.js';
import { WorkerPool } from './worker-pool.js';

/** The browser files, two folders up from src/server or dist/server. */
export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const STATIC: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'dashboard.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
};

/** The worker module beside this file: predict-worker.ts from the sources (tsx), .js from dist. */
const WORKER_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './predict-worker.ts' : './predict-worker.js',
  import.meta.url,
);

/** Request bodies read at once (read-queue.ts); the rest wait in their sockets. */
const READ_TURNS = 2;

export interface ServeOptions extends Partial<ServeLimits> {
  port?: number;
  host?: string;
  /** Fastify's logger: 5xx answers are logged at level error with their cause (default: level 'warn' to stdout). */
  logger?: FastifyServerOptions['logger'];
}

/** Serves a whitelisted file of web/ (no path from the request reaches the file system). */
export function serveStatic(app: FastifyInstance, file: string, route = `/${file}`): void {
  app.get(route, async (_req, reply) => reply.type(STATIC[file]).send(readFileSync(join(WEB_DIR, file))));
}

/** The client's mistakes that Fastify and @fastify/multipart report by code, said in the API's words. */
function clientErrorMessage(err: Error & { code?: string }, maxBody?: number): string | null {
  const limit = maxBody ? ` of ${maxBody} bytes (--max-body)` : '';
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `the request body is larger than the limit${limit}`;
    case 'FST_REQ_FILE_TOO_LARGE':
      return `the upload is larger than the limit${limit}`;
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_FILES_LIMIT':
      return `the form has too many parts: send one file in a field named 'image' (at most ${FORM_LIMITS.fields} other fields)`;
    default:
      return null;
  }
}

/** Parts of a multipart upload: the image and a few fields a browser form may add. */
const FORM_LIMITS = { files: 1, fields: 4, parts: 5 };

/**
 * Answers every error as JSON `{ error }` with its 4xx status; anything else is a 500, logged with
 * its cause (the client sees only the message).
 */
export function jsonErrors(app: FastifyInstance, maxBody?: number): void {
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, `${req.method} ${req.url} answered ${status}: ${err.message}`);
    const message = (!(err instanceof HttpError) && clientErrorMessage(err, maxBody)) || err.message;
    return reply.status(status).send({ error: status >= 500 ? `internal error: ${message}` : message });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: `no route ${req.method} ${req.url}` }));
}

/** The image bytes of a predict request: a multipart `image` file or a raw image/* body. */
async function uploadBytes(req: FastifyRequest): Promise<Uint8Array> {
  if (req.isMultipart()) {
    try {
      const part = await req.file();
      if (!part) throw new HttpError(400, "the form has no file; send the image in a field named 'image'");
      return new Uint8Array(await part.toBuffer());
    } catch (e) {
      // The multipart parser's own errors (cut-off body, missing boundary) carry no status: they are the client's.
      if ((e as { statusCode?: number }).statusCode) throw e;
      throw new HttpError(400, `malformed multipart/form-data upload: ${(e as Error).message}`);
    }
  }
  if (Buffer.isBuffer(req.body)) return new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  throw new HttpError(
    415,
    'send the image as multipart/form-data (field "image") or as an image/png or image/jpeg body',
  );
}

/**
 * Builds the app for a model directory (not listening yet, so tests can `inject`). The model is
 * loaded (and checked) here and in each worker thread; predict requests beyond `maxInflight`
 * are turned away with 429 before their body is read.
 * @example
 * const app = await buildApp('runs/fashion', { workers: 1, maxRows: 1000 });
 * await app.listen({ port: 3000 });
 */
export async function buildApp(modelDir: string, options: ServeOptions = {}): Promise<FastifyInstance> {
  const { port: _port, host: _host, logger, ...given } = options;
  const limits: ServeLimits = { ...SERVE_DEFAULTS, workers: defaultWorkers(), ...definedOnly(given) };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in limits)) throw new Error(`unknown serve option '${key}'`);
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new Error(`serve option ${key} must be a positive integer, got ${value}`);
    }
  }
  const m = openModel(modelDir);
  const app = Fastify({ logger: logger ?? { level: 'warn' }, bodyLimit: limits.maxBody });
  const pool = await WorkerPool.start({
    size: limits.workers,
    entry: WORKER_ENTRY,
    workerData: { modelDir, limits: { maxRows: limits.maxRows, maxPixels: limits.maxPixels } },
    onError: (e) => app.log.error({ err: e }, e.message),
    maxHeapMb: 1024,
  });
  app.addHook('onClose', () => pool.close());

  await app.register(multipart, { limits: { fileSize: limits.maxBody, ...FORM_LIMITS } });
  // Bodies stay bytes here, read in place as they arrive (body.ts): JSON is parsed on a worker, so
  // a 5 MB body never holds the event loop.
  app.removeContentTypeParser('application/json');
  // Memory for large bodies, handed back by the workers: one per worker's task and its next.
  const bodies = new BodyBuffers(limits.maxBody, 2 * limits.workers);
  app.addContentTypeParser(
    ['application/json', 'image/png', 'image/jpeg', 'application/octet-stream'],
    (req: FastifyRequest, payload: IncomingMessage) =>
      readBody(payload, req.headers['content-length'], limits.maxBody, bodies),
  );
  jsonErrors(app, limits.maxBody);
  for (const file of ['app.js', 'style.css']) serveStatic(app, file);
  serveStatic(app, 'index.html', '/');
  const description = {
    // The folder's name only: the server's paths are none of the client's business.
    name: basename(resolve(modelDir)),
    classes: m.info.classes,
    inputShape: m.info.inputShape,
    preprocessing: m.pre,
    parameters: parameterCount(m.model),
    summary: m.model.toString(),
    testAccuracy: m.metadata.testAccuracy ?? null,
  };
  app.get('/api/model', async () => description);

  let inflight = 0;
  const reads = new ReadQueue(READ_TURNS);
  // How long the event loop was held at worst: what a health check waits behind.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  app.addHook('onClose', async () => loopDelay.disable());
  app.get('/healthz', async () => ({
    status: 'ok',
    workers: pool.workers,
    inflight,
    queued: pool.queued,
    maxInflight: limits.maxInflight,
    eventLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
  }));
  app.post(
    '/api/predict',
    {
      // Admission before the body is read: a full server spends nothing on the request.
      onRequest: async (req, reply) => {
        if (inflight >= limits.maxInflight) {
          reply.header('retry-after', String(RETRY_AFTER_S));
          reads.schedule(req.raw);
          throw new HttpError(
            429,
            `the server is busy: ${inflight} predict requests in progress, the limit (--max-inflight ${limits.maxInflight}); retry after ${RETRY_AFTER_S} s`,
          );
        }
        inflight++;
        reply.raw.once('close', () => inflight--);
      },
      preParsing: async (req, _reply, payload) => {
        reads.schedule(req.raw);
        return payload;
      },
    },
    async (req, reply) => {
      const task = await predictTask(req, m.pre.kind, limits.maxPixels);
      // The bytes' memory moves to the worker instead of being copied when they start it (a body
      // read by readBody); the worker hands it back with the reply.
      const bytes = task.kind === 'rows' ? task.body : task.bytes;
      const reply_ = await pool.run(task, bodies.movable(bytes) ? [bytes.buffer as ArrayBuffer] : []);
      if (reply_.memory) bodies.give(reply_.memory);
      if (reply_.status !== 200) {
        const err = new HttpError(reply_.status, reply_.error ?? 'the worker gave no reason');
        if (reply_.stack) err.stack = reply_.stack;
        throw err;
      }
      return reply.type('application/json; charset=utf-8').send(reply_.body);
    },
  );
  return app;
}

/** The task for a worker: the raw JSON body for a table model, the image bytes for an image model. */
async function predictTask(
  req: FastifyRequest,
  kind: 'standardize' | 'image',
  maxPixels: number,
): Promise<PredictTask> {
  const type = req.headers['content-type'] ?? '';
  if (kind === 'standardize') {
    if (!Buffer.isBuffer(req.body) || !/^application\/json\b/i.test(type)) {
      throw new HttpError(415, 'this model takes an application/json body {"rows": [[...], ...]}');
    }
    return { kind: 'rows', body: req.body };
  }
  if (/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'this model takes images: send multipart/form-data (field "image") or an image/* body');
  }
  const bytes = await uploadBytes(req);
  // Headers only, and cheap: a refused image does not wait in the queue behind decodes.
  checkUpload(bytes, maxPixels);
  return { kind: 'image', bytes };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Starts `nabla serve`; resolves once listening. */
export async function serveModel(
  modelDir: string,
  options: ServeOptions = {},
): Promise<{ url: string; app: FastifyInstance }> {
  const app = await buildApp(modelDir, options);
  const url = await app.listen({ port: options.port ?? 3000, host: options.host ?? '127.0.0.1' });
  return { url, app };
}
