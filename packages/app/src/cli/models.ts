/** Resolves `--model`: an MLP spec, `auto`, or a model zoo name, checked against the data's shape. */
import { io, type nn } from 'nabla';
import type { DataSource } from './data-source.js';
import { allocating, checkFitsInMemory, MAX_TENSOR_ELEMENTS } from './memory-budget.js';

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * `auto` → an MLP with one hidden layer sized for the data; `mlp:IN-H-…-OUT` → that MLP (IN and
 * OUT must match the data); a zoo name (`lenet5`, `resnet8`) → that model for the data's classes.
 */
export function resolveModelSpec(model: string, src: DataSource): io.ModelSpec {
  const inFeatures = product(src.inputShape);
  const classes = src.classes.length;
  if (model === 'auto') {
    const hidden = src.preprocessing.kind === 'image' ? 128 : 64;
    checkMlpSize(model, [inFeatures, hidden, classes]);
    return io.parseMlpSpec(`mlp:${inFeatures}-${hidden}-${classes}`);
  }
  if (model.startsWith('mlp:')) {
    const spec = io.parseMlpSpec(model);
    const widths = model.slice(4).split('-').map(Number);
    checkMlpSize(model, widths);
    if (widths[0] !== inFeatures)
      throw new Error(
        `--model ${model}: the data has ${inFeatures} input features (shape [${src.inputShape.join(', ')}]), not ${widths[0]}`,
      );
    if (widths[widths.length - 1] !== classes)
      throw new Error(`--model ${model}: the data has ${classes} classes, not ${widths[widths.length - 1]}`);
    return spec;
  }
  return zooModel(model, src);
}

/**
 * Bytes one parameter costs while training: the float32 weight, its gradient and up to two
 * optimizer moments (Adam).
 */
const TRAINING_BYTES_PER_PARAMETER = 16;

/** An MLP whose weights cannot be allocated, or cannot be trained in this machine's memory, is refused by name. */
function checkMlpSize(model: string, widths: readonly number[]): void {
  let parameters = 0;
  for (let i = 0; i + 1 < widths.length; i++) {
    const weights = widths[i] * widths[i + 1];
    if (weights > MAX_TENSOR_ELEMENTS)
      throw new Error(
        `--model ${model} is too large: layer ${i + 1} (${widths[i]} -> ${widths[i + 1]}) has ${weights.toLocaleString('en')} weights, more than one tensor can hold (${MAX_TENSOR_ELEMENTS.toLocaleString('en')})`,
      );
    parameters += weights + widths[i + 1];
  }
  checkFitsInMemory(
    `--model ${model}`,
    parameters * TRAINING_BYTES_PER_PARAMETER,
    `its ${parameters.toLocaleString('en')} parameters (weights, gradients and optimizer state in float32)`,
  );
}

/** Builds the model of `spec`, with a "too large" message when its tensors cannot be allocated. */
export function buildModelChecked(model: string, spec: io.ModelSpec): nn.Module {
  return allocating(`--model ${model}`, () => io.buildModel(spec));
}

/** Zoo models are stored as the spec of the module they build (LeNet-5 is a Sequential). */
function zooModel(name: string, src: DataSource): io.ModelSpec {
  if (src.inputShape.length !== 3)
    throw new Error(
      `--model ${name} takes images [C, H, W]; the data has samples of shape [${src.inputShape.join(', ')}]`,
    );
  return io.zooSpec(name, src.classes.length, src.inputShape[0]);
}

/** Number of scalar parameters. */
export function parameterCount(model: nn.Module): number {
  return model.parameters().reduce((n, p) => n + p.numel(), 0);
}
