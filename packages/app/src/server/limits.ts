/**
 * The limits of `nabla serve`, with their defaults. Kept apart from app.ts (Fastify, the model)
 * so the command line can show the defaults without loading the server.
 */
import { availableParallelism } from 'node:os';

export interface ServeLimits {
  /** Largest request body in bytes: a JSON body or an image upload (413 above). */
  maxBody: number;
  /** Most rows in one JSON request (413 above). */
  maxRows: number;
  /** Largest image in pixels, read from its header before decoding; 16-bit PNG pixels count twice (413 above). */
  maxPixels: number;
  /** Most predict requests in the server at once, queued ones included (429 with Retry-After above). */
  maxInflight: number;
  /** Worker threads that decode images and run the model. */
  workers: number;
}

/** One worker per core beyond the one the event loop keeps, at least one and at most four. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export const SERVE_DEFAULTS: Omit<ServeLimits, 'workers'> = {
  maxBody: 5 * 1024 * 1024,
  maxRows: 10_000,
  maxPixels: 16_000_000,
  maxInflight: 16,
};

/** Seconds a client told 429 is asked to wait (the Retry-After header). */
export const RETRY_AFTER_S = 1;
