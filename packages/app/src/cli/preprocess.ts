/** Input preprocessing saved in model.json, applied the same way at training, evaluation, prediction and serving. */
import { noGrad, tensor, transforms, type Tensor } from 'nabla';
import { decodeImage } from 'nabla/node';

const { convertImage, toTensor, resize } = transforms;

/** Tabular: standardise named columns with training statistics. Images: grey/RGB at a fixed size, pixels / 255. */
export type Preprocessing =
  | { kind: 'standardize'; columns: string[]; target: string; classes: string[]; mean: number[]; std: number[] }
  | { kind: 'image'; channels: number; height: number; width: number };

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
