/** Input preprocessing saved in model.json, applied the same way at training, evaluation, prediction and serving. */
import { noGrad, tensor, transforms, type Tensor } from 'nabla';
import { decodeImage } from 'nabla/node';

const { convertImage, toTensor, resize } = transforms;

/** Tabular: standardise named columns with training statistics. Images: grey/RGB at a fixed size, pixels / 255. */
export type Preprocessing =
  | { kind: 'standardize'; columns: string[]; target: string; classes: string[]; mean: number[]; std: number[] }
  | { kind: 'image'; channels: number; height: number; width: number };

const isNumberList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Checks model.json's `preprocessing` against its `inputShape` and `classes` (the library has
 * already checked those against the weights), so a hand-edited or damaged file fails when the
 * model is opened, naming the field, instead of mislabelling or crashing on the first input.
 * `file` names model.json in the messages.
 * @example
 * checkPreprocessing(loaded.info.preprocessing, loaded.info, 'runs/iris/model.json');
 */
export function checkPreprocessing(
  pre: unknown,
  info: { inputShape?: number[]; classes?: string[] },
  file: string,
): Preprocessing {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${file}: "${field}" ${problem}`);
  };
  if (pre === null || typeof pre !== 'object')
    return fail('preprocessing', 'is missing; was it written by nabla train?');
  const p = pre as Record<string, unknown>;
  const shape = info.inputShape ?? fail('inputShape', 'is missing');
  const shown = `[${shape.join(', ')}]`;
  if (p.kind === 'standardize') {
    if (!isStringList(p.columns) || p.columns.length === 0)
      fail('preprocessing.columns', 'must be a non-empty list of column names');
    const columns = p.columns as string[];
    if (shape.length !== 1 || shape[0] !== columns.length)
      fail('inputShape', `is ${shown} but "preprocessing.columns" names ${columns.length} columns`);
    for (const key of ['mean', 'std'] as const) {
      const v = p[key];
      if (!isNumberList(v)) fail(`preprocessing.${key}`, 'must be a list of finite numbers');
      else if (v.length !== columns.length)
        fail(`preprocessing.${key}`, `has ${v.length} values but inputShape ${shown} has ${columns.length} features`);
    }
    if ((p.std as number[]).some((x) => x <= 0)) fail('preprocessing.std', 'must be positive (it divides the inputs)');
    if (typeof p.target !== 'string') fail('preprocessing.target', 'must name the target column');
    if (!isStringList(p.classes) || (info.classes && JSON.stringify(p.classes) !== JSON.stringify(info.classes)))
      fail('preprocessing.classes', `must list the same classes as "classes" (${(info.classes ?? []).join(', ')})`);
    return p as Preprocessing;
  }
  if (p.kind === 'image') {
    if (p.channels !== 1 && p.channels !== 3)
      fail('preprocessing.channels', `must be 1 or 3, got ${String(p.channels)}`);
    for (const key of ['height', 'width'] as const)
      if (!Number.isSafeInteger(p[key]) || (p[key] as number) < 1)
        fail(`preprocessing.${key}`, `must be a positive integer, got ${JSON.stringify(p[key])}`);
    const want = [p.channels, p.height, p.width];
    if (shape.length !== 3 || shape.some((d, i) => d !== want[i]))
      fail(
        'inputShape',
        `is ${shown} but "preprocessing" makes images of [${want.join(', ')}] (channels, height, width)`,
      );
    return p as Preprocessing;
  }
  return fail('preprocessing.kind', `must be "standardize" or "image", got ${JSON.stringify(p.kind)}`);
}

/** Per-column mean and population std of `x` [N, F] (std 1 for constant columns, as scikit-learn). */
export function fitStandardize(x: Tensor): { mean: number[]; std: number[] } {
  return noGrad(() => {
    const mean = Array.from(x.mean(0).toTypedArray());
    const std = Array.from(x.std(0, { correction: 0 }).toTypedArray(), (s) => (s > 0 ? s : 1));
    return { mean, std };
  });
}

/** `(x - mean) / std` with the statistics in `pre`. */
export function standardize(x: Tensor, pre: Preprocessing): Tensor {
  if (pre.kind !== 'standardize') return x;
  if (x.ndim !== 2 || x.shape[1] !== pre.mean.length) {
    throw new Error(
      `expected ${pre.mean.length} feature columns (${pre.columns.join(', ')}), got shape [${x.shape.join(', ')}]`,
    );
  }
  return noGrad(() => x.sub(tensor(pre.mean)).div(tensor(pre.std)));
}

/**
 * Decodes image bytes (PNG or JPEG) into the model's input [C, H, W] in [0, 1]: converted to
 * the model's channels and resized to its size. Throws a clear error for non-images.
 */
export function imageToInput(bytes: Uint8Array, pre: Preprocessing, source = 'image'): Tensor {
  if (pre.kind !== 'image')
    throw new Error(`${source}: this model takes tabular rows (${pre.columns.join(', ')}), not images`);
  const raw = convertImage(decodeImage(bytes, source), pre.channels === 1 ? 1 : 3);
  let x = toTensor(raw);
  if (raw.height !== pre.height || raw.width !== pre.width) x = resize([pre.height, pre.width])(x);
  return x.clamp(0, 1);
}
