/** `nabla serve`: the image-recognition web page and its JSON API (Fastify). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { stack, tensor, type Tensor } from 'nabla';
import { openModel, predictBatch } from '../cli/use-commands.js';
import { parameterCount } from '../cli/models.js';
import { imageToInput, standardize, type Preprocessing } from '../cli/preprocess.js';
import { checkUpload, HttpError } from './upload.js';

/** The browser files, two folders up from src/server or dist/server. */
export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const STATIC: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'dashboard.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
};

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Largest accepted upload in bytes (default 5 MiB); larger gets 413. */
  maxUploadBytes?: number;
  /** Largest accepted image in pixels (default 16 million); larger gets 413. */
  maxPixels?: number;
}

/** Serves a whitelisted file of web/ (no path from the request reaches the file system). */
export function serveStatic(app: FastifyInstance, file: string, route = `/${file}`): void {
  app.get(route, async (_req, reply) => reply.type(STATIC[file]).send(readFileSync(join(WEB_DIR, file))));
}

/** Answers every error as JSON `{ error }` with its 4xx status; anything unexpected is a logged 500. */
export function jsonErrors(app: FastifyInstance, maxUploadBytes?: number): void {
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error(err);
    const tooLarge = status === 413 && maxUploadBytes && !(err instanceof HttpError);
    const message = tooLarge ? `the upload is larger than the limit of ${maxUploadBytes} bytes` : err.message;
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
  if (Buffer.isBuffer(req.body)) return new Uint8Array(req.body);
  throw new HttpError(
    415,
    'send the image as multipart/form-data (field "image") or as an image/png or image/jpeg body',
  );
}

/**
 * Builds the app for a model directory (not listening yet, so tests can `inject`).
 * @example
 * const app = await buildApp('runs/fashion');
 * await app.listen({ port: 3000 });
 */
export async function buildApp(modelDir: string, options: ServeOptions = {}): Promise<FastifyInstance> {
  const maxUploadBytes = options.maxUploadBytes ?? 5 * 1024 * 1024;
  const maxPixels = options.maxPixels ?? 16_000_000;
  const m = openModel(modelDir);
  const app = Fastify({ logger: false, bodyLimit: maxUploadBytes });
  await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: 1, fields: 4, parts: 5 } });
  app.addContentTypeParser(
    ['image/png', 'image/jpeg', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: maxUploadBytes },
    (_req, body, done) => done(null, body),
  );
  jsonErrors(app, maxUploadBytes);
  for (const file of ['app.js', 'style.css']) serveStatic(app, file);
  serveStatic(app, 'index.html', '/');
  app.get('/api/model', async () => ({
    directory: modelDir,
    classes: m.info.classes,
    inputShape: m.info.inputShape,
    preprocessing: m.pre,
    parameters: parameterCount(m.model),
    summary: m.model.toString(),
    testAccuracy: m.metadata.testAccuracy ?? null,
  }));
  app.post('/api/predict', async (req) => predictRequest(req, m, m.pre, maxPixels));
  return app;
}

async function predictRequest(
  req: FastifyRequest,
  m: ReturnType<typeof openModel>,
  pre: Preprocessing,
  maxPixels: number,
) {
  if (pre.kind === 'standardize') {
    const rows = (req.body as { rows?: unknown } | null)?.rows;
    if (
      !Array.isArray(rows) ||
      !rows.every((r) => Array.isArray(r) && r.length === pre.columns.length && r.every((v) => typeof v === 'number'))
    ) {
      throw new HttpError(400, `this model takes JSON {"rows": [[${pre.columns.join(', ')}], ...]}`);
    }
    return {
      predictions: predictBatch(
        m,
        standardize(tensor(rows as number[][]), pre),
        rows.map((_, i) => `row ${i}`),
      ),
    };
  }
  const bytes = await uploadBytes(req);
  checkUpload(bytes, maxPixels);
  let x: Tensor;
  try {
    x = imageToInput(bytes, pre, 'upload');
  } catch (e) {
    throw new HttpError(422, (e as Error).message);
  }
  const [p] = predictBatch(m, stack([x]), ['upload']);
  return {
    class: p.class,
    probability: p.probability,
    predictions: p.ranking,
    input: {
      channels: pre.channels,
      height: pre.height,
      width: pre.width,
      pixels: Array.from(x.toTypedArray(), (v) => Math.round(v * 1000) / 1000),
    },
  };
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
