import { OptionError } from '../tensor/errors.js';
import { checkOptions, requireOption } from '../tensor/options.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Identity,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  init,
} from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The two-convolution residual block of ResNet-18/34 and the CIFAR ResNets:
 * `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, where the shortcut is the identity or,
 * when the stride or width changes, `downsample` (a 1×1 convolution and batch norm).
 * Names match torchvision's `BasicBlock`, so its state-dict keys do too.
 * @example
 * const block = new BasicBlock(64, 128, 2); // halves H and W, adds a 1×1 projection shortcut
 * block.forward(randn([2, 64, 16, 16])).shape; // [2, 128, 8, 8]
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample =
      stride !== 1 || inPlanes !== planes
        ? this.registerModule(
            'downsample',
            new Sequential(new Conv2d(inPlanes, planes, 1, { stride, bias: false }), new BatchNorm2d(planes)),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)))));
    const shortcut = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(out.add(shortcut));
  }
}

export interface ResNetOptions {
  /** Basic blocks per stage, e.g. [2, 2, 2, 2] for ResNet-18, [3, 3, 3] for ResNet-20. */
  layers: readonly number[];
  /** Channels per stage; each stage after the first halves H and W. */
  widths: readonly number[];
  /**
   * 'imagenet': 7×7 stride-2 convolution and 3×3 stride-2 max pooling (÷4, torchvision's stem).
   * 'cifar': one 3×3 stride-1 convolution, for 28×28 and 32×32 inputs.
   */
  stem: 'imagenet' | 'cifar';
  numClasses?: number;
  inChannels?: number;
}

/**
 * A ResNet of basic blocks: stem → stages (`layer1`, `layer2`, …) → global average pooling →
 * `fc`. Global pooling makes any input size work. Convolutions get torchvision's
 * initialisation (kaiming-normal, fan_out, ReLU gain); batch norms start at weight 1, bias 0.
 * @example
 * const model = new ResNet({ layers: [2, 2], widths: [32, 64], stem: 'cifar', numClasses: 10 });
 */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: Module;
  readonly stages: Sequential[];
  readonly avgpool: AdaptiveAvgPool2d;
  readonly fc: Linear;

  constructor(options: ResNetOptions) {
    super();
    checkOptions('ResNet', options, { layers: true, widths: true, stem: true, numClasses: true, inChannels: true });
    for (const key of ['layers', 'widths', 'stem'] as const) requireOption('ResNet', options, key);
    const { layers, widths, stem, numClasses = 1000, inChannels = 3 } = options;
    if (layers.length === 0 || layers.length !== widths.length) {
      throw new OptionError(
        `ResNet: layers (${layers.length} stages) and widths (${widths.length}) must be non-empty and of equal length`,
      );
    }
    const imagenet = stem === 'imagenet';
    this.conv1 = this.registerModule(
      'conv1',
      imagenet
        ? new Conv2d(inChannels, widths[0], 7, { stride: 2, padding: 3, bias: false })
        : new Conv2d(inChannels, widths[0], 3, { padding: 1, bias: false }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(widths[0]));
    this.relu = this.registerModule('relu', new ReLU());
    this.maxpool = this.registerModule(
      'maxpool',
      imagenet ? new MaxPool2d(3, { stride: 2, padding: 1 }) : new Identity(),
    );
    let inPlanes = widths[0];
    this.stages = layers.map((blocks, i) => {
      const stride = i === 0 ? 1 : 2;
      const stage = new Sequential(
        ...Array.from(
          { length: blocks },
          (_, b) => new BasicBlock(b === 0 ? inPlanes : widths[i], widths[i], b === 0 ? stride : 1),
        ),
      );
      inPlanes = widths[i];
      return this.registerModule(`layer${i + 1}`, stage);
    });
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.fc = this.registerModule('fc', new Linear(inPlanes, numClasses));
    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    }
  }

  forward(x: Tensor): Tensor {
    let out = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    for (const stage of this.stages) out = stage.forward(out);
    return this.fc.forward(this.avgpool.forward(out).flatten(1));
  }
}

export interface ResNetFactoryOptions {
  numClasses?: number;
  inChannels?: number;
}

/**
 * ResNet-18 (torchvision's layout and state-dict keys): [2, 2, 2, 2] blocks of 64–512 channels.
 * Works at any input size of at least 32×32 (224×224 for ImageNet); with `stem: 'cifar'` it keeps
 * full resolution in the stem for small images.
 * @example
 * const model = resnet18({ numClasses: 10 });
 * model.forward(randn([1, 3, 224, 224])).shape; // [1, 10]
 */
export function resnet18(options: ResNetFactoryOptions & { stem?: 'imagenet' | 'cifar' } = {}): ResNet {
  checkOptions('resnet18', options, { numClasses: true, inChannels: true, stem: true });
  return new ResNet({
    ...options,
    layers: [2, 2, 2, 2],
    widths: [64, 128, 256, 512],
    stem: options.stem ?? 'imagenet',
  });
}

/**
 * The CIFAR ResNet of He et al. (2016) with depth 6n + 2: a 3×3 stem and three stages of n
 * blocks with 16, 32 and 64 channels, for 28×28 or 32×32 inputs (projection shortcuts).
 * @example
 * const model = resnetCifar(20, { inChannels: 1, numClasses: 10 }); // ResNet-20 for Fashion-MNIST
 */
export function resnetCifar(depth: number, options: ResNetFactoryOptions = {}): ResNet {
  checkOptions(`resnet${depth}`, options, { numClasses: true, inChannels: true });
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new OptionError(`resnetCifar: depth must be 6n + 2 with n >= 1 (8, 14, 20, 32, 44, 56, 110), got ${depth}`);
  }
  const n = (depth - 2) / 6;
  return new ResNet({
    ...options,
    layers: [n, n, n],
    widths: [16, 32, 64],
    stem: 'cifar',
    numClasses: options.numClasses ?? 10,
  });
}

/** ResNet-8 (one block per stage): small enough to train on a CPU in minutes. */
export const resnet8 = (options: ResNetFactoryOptions = {}): ResNet => resnetCifar(8, options);

/** ResNet-20, the CIFAR-10 baseline of He et al. (2016). */
export const resnet20 = (options: ResNetFactoryOptions = {}): ResNet => resnetCifar(20, options);
