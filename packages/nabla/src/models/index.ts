/**
 * Model zoo (`nabla/models`): plain compositions of public layers, meant to be read and copied.
 * @example
 * import { lenet5, resnet20, resnet18 } from 'nabla/models';
 */
export { lenet5, type LeNet5Options } from './lenet.js';
export {
  BasicBlock,
  ResNet,
  resnet18,
  resnetCifar,
  resnet8,
  resnet20,
  type ResNetOptions,
  type ResNetFactoryOptions,
} from './resnet.js';
