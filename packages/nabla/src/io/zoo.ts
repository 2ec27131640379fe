/** The zoo models the CLI's `--model` names (their ResNet layer type is registered in layers.ts). */
import type * as nn from '../nn/index.js';
import { BasicBlock, ResNet, lenet5, resnet8, resnet20 } from '../models/index.js';
import { emitModule, registerOnnxEmitter } from './onnx.js';
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
    throw new Error(
      `unknown model '${name}': use an MLP spec like mlp:784-128-10, 'auto', or one of ${Object.keys(ZOO).join(', ')}`,
    );
  return describeModel(make(numClasses, inChannels));
}

registerOnnxEmitter((m, input, g, prefix) => {
  if (!(m instanceof BasicBlock)) return null;
  let out = emitModule(m.conv1, input, g, `${prefix}conv1.`);
  out = emitModule(m.bn1, out, g, `${prefix}bn1.`);
  out = g.node('Relu', [out]);
  out = emitModule(m.conv2, out, g, `${prefix}conv2.`);
  out = emitModule(m.bn2, out, g, `${prefix}bn2.`);
  const shortcut = m.downsample ? emitModule(m.downsample, input, g, `${prefix}downsample.`) : input;
  return g.node('Relu', [g.node('Add', [out, shortcut])]);
});

registerOnnxEmitter((m, input, g, prefix) => {
  if (!(m instanceof ResNet)) return null;
  let out = emitModule(m.conv1, input, g, `${prefix}conv1.`);
  out = g.node('Relu', [emitModule(m.bn1, out, g, `${prefix}bn1.`)]);
  out = emitModule(m.maxpool, out, g, `${prefix}maxpool.`);
  m.stages.forEach((stage, i) => {
    out = emitModule(stage, out, g, `${prefix}layer${i + 1}.`);
  });
  out = g.node('Flatten', [emitModule(m.avgpool, out, g, `${prefix}avgpool.`)], { axis: { kind: 'int', value: 1 } });
  return emitModule(m.fc, out, g, `${prefix}fc.`);
});
