/**
 * The work behind `POST /api/predict`, run on a worker thread (predict-worker.ts): parsing and
 * checking a JSON body of rows, or checking and decoding an image, then the model. Every problem
 * with the client's input is an HttpError with a 4xx status that names it.
 */
import { stack, tensor, type Tensor } from 'nabla';
import { predictBatch, type openModel, type Prediction } from '../cli/use-commands.js';
import { imageToInput, standardize } from '../cli/preprocess.js';
import { checkUpload, HttpError } from './upload.js';

export type OpenModel = ReturnType<typeof openModel>;

/** A request as the event loop hands it to a worker. */
export type PredictTask = { kind: 'rows'; body: Uint8Array } | { kind: 'image'; bytes: Uint8Array };

export interface TaskLimits {
  maxRows: number;
  maxPixels: number;
}

/** Largest float32 magnitude: a finite double beyond it would become Infinity in the model. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Answers a predict task with its response body (JSON text, so the event loop only sends it). */
export function runPredictTask(m: OpenModel, task: PredictTask, limits: TaskLimits): string {
  return JSON.stringify(task.kind === 'rows' ? predictRows(m, task.body, limits) : predictImage(m, task.bytes, limits));
}

/**
 * Checks `{"rows": [[...], ...]}` against the model's columns and the row limit; returns the rows
 * as a float32 [N, F] tensor. A value that is not a finite float32 (`1e999` parses to Infinity)
 * is a 400 naming its row and column.
 */
export function parseRows(body: Uint8Array, columns: string[], maxRows: number): Tensor {
  const usage = `this model takes JSON {"rows": [[${columns.join(', ')}], ...]}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `the body is not valid JSON (${(e as Error).message}); ${usage}`);
  }
  const rows = (parsed as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new HttpError(400, usage);
  if (rows.length === 0) throw new HttpError(400, `"rows" is empty; ${usage}`);
  if (rows.length > maxRows) {
    throw new HttpError(413, `${rows.length} rows in one request; the limit is ${maxRows} rows (--max-rows)`);
  }
  const width = columns.length;
  const data = new Float32Array(rows.length * width);
  rows.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      const got = Array.isArray(row) ? `${row.length} values` : JSON.stringify(row)?.slice(0, 40);
      throw new HttpError(400, `row ${i}: expected ${width} numbers (${columns.join(', ')}), got ${got}`);
    }
    row.forEach((v: unknown, j) => {
      if (typeof v !== 'number') {
        throw new HttpError(400, `row ${i}, column ${columns[j]}: expected a number, got ${JSON.stringify(v)}`);
      }
      if (!(Math.abs(v) <= FLOAT32_MAX)) {
        throw new HttpError(400, `row ${i}, column ${columns[j]}: ${v} is not a finite float32 number`);
      }
      data[i * width + j] = v;
    });
  });
  return tensor(data).reshape([rows.length, width]);
}

/** Predictions whose probabilities are all finite, else a 422 naming the first row that overflowed. */
function finitePredictions(predictions: Prediction[]): Prediction[] {
  const bad = predictions.findIndex((p) => !p.ranking.every((r) => Number.isFinite(r.probability)));
  if (bad >= 0) {
    throw new HttpError(
      422,
      `the model's output for row ${bad} is not finite: its values are too far outside the training data's range`,
    );
  }
  return predictions;
}

function predictRows(m: OpenModel, body: Uint8Array, limits: TaskLimits) {
  if (m.pre.kind !== 'standardize') {
    throw new HttpError(415, 'this model takes images: send multipart/form-data (field "image") or an image/* body');
  }
  const x = standardize(parseRows(body, m.pre.columns, limits.maxRows), m.pre);
  const names = Array.from({ length: x.shape[0] }, (_, i) => `row ${i}`);
  return { predictions: finitePredictions(predictBatch(m, x, names)) };
}

function predictImage(m: OpenModel, bytes: Uint8Array, limits: TaskLimits) {
  const pre = m.pre;
  if (pre.kind !== 'image') {
    throw new HttpError(415, `this model takes JSON {"rows": [[${pre.columns.join(', ')}], ...]}, not images`);
  }
  checkUpload(bytes, limits.maxPixels); // done on the event loop too; here for callers without one
  let x: Tensor;
  try {
    x = imageToInput(bytes, pre, 'upload');
  } catch (e) {
    throw new HttpError(422, (e as Error).message);
  }
  const [p] = finitePredictions(predictBatch(m, stack([x]), ['upload']));
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
