/** Model-spec and ONNX support for the model zoo's custom modules (ResNet, BasicBlock). */
import * as nn from '../nn/index.js';
import { BasicBlock, ResNet, lenet5, resnet8, resnet20 } from '../models/index.js';
import { emitModule, registerOnnxEmitter } from './onnx.js';
import { describeModel, registerLayer, type ModelSpec } from './model-spec.js';

const numbers = (s: ModelSpec, key: string): number[] => {
  const v = s[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
    throw new Error(`${s.type}: option '${key}' must be an array of numbers`);
  return v as number[];
};

/** A ResNet is rebuilt from its stage depths and widths, read back off the module tree. */
registerLayer('ResNet', {
  build: (s) =>
    new ResNet({
      layers: numbers(s, 'blocks'),
      widths: numbers(s, 'widths'),
      stem: s.stem === 'imagenet' ? 'imagenet' : 'cifar',
      numClasses: typeof s.numClasses === 'number' ? s.numClasses : 1000,
      inChannels: typeof s.inChannels === 'number' ? s.inChannels : 3,
    }),
  describe: (m) => {
    if (!(m instanceof ResNet) || m.constructor !== ResNet) return null;
    return {
      type: 'ResNet',
      blocks: m.stages.map((st) => st.length),
      widths: m.stages.map((st) => (st.at(0) as BasicBlock).conv2.outChannels),
      stem: m.maxpool instanceof nn.Identity ? 'cifar' : 'imagenet',
      numClasses: m.fc.outFeatures,
      inChannels: m.conv1.inChannels,
    };
  },
});

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
