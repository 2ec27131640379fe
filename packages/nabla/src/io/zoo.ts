/** The zoo models the CLI's `--model` names (their ResNet layer type is registered in layers.ts). */
import { OptionError } from '../tensor/errors.js';
import type * as nn from '../nn/index.js';
import { lenet5, resnet8, resnet20 } from '../models/index.js';
import { describeModel, type ModelSpec } from './model-spec.js';

/** Zoo names the CLI's `--model` accepts, each a factory for the data's classes and channels. */
export const ZOO: Record<string, (numClasses: number, inChannels: number) => nn.Module> = {
  lenet5: (numClasses, inChannels) => lenet5({ numClasses, inChannels }),
  resnet8: (numClasses, inChannels) => resnet8({ numClasses, inChannels }),
  resnet20: (numClasses, inChannels) => resnet20({ numClasses, inChannels }),
};

/** The architecture spec of a zoo model (a Sequential spec for LeNet-5, a ResNet spec for ResNets). @example buildModel(zooSpec('resnet8', 10, 1)); */
export function zooSpec(name: string, numClasses: number, inChannels: number): ModelSpec {
  const make = ZOO[name];
  if (!make)
    throw new OptionError(
      `unknown model '${name}': use an MLP spec like mlp:784-128-10, 'auto', or one of ${Object.keys(ZOO).join(', ')}`,
    );
  return describeModel(make(numClasses, inChannels));
}
