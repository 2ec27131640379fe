/** Browser-safe image data: IDX (MNIST format) parsing, the MNIST data set, pixel conversion, transforms. */
export { parseIdx, decodeIdx, idxToTensor, isGzip, type IdxArray, type IdxDType } from './idx.js';
export { MnistDataset, FASHION_MNIST_CLASSES, type ImageTransform } from './mnist.js';
export { toTensor, convertImage, type RawImage } from './raw-image.js';
export { type PaddingMode } from './geometry.js';
export {
  compose, normalize, resize, centerCrop, randomCrop, randomHorizontalFlip,
  type Transform, type Size, type RandomCropOptions,
} from './transforms.js';
