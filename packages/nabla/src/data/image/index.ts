/** Browser-safe image data: IDX (MNIST format) parsing, image data sets, and the `transforms` namespace. */
export { parseIdx, decodeIdx, idxToTensor, isGzip, type IdxArray, type IdxDType } from './idx.js';
export { ByteImageDataset, type ImageTransform } from './byte-image-dataset.js';
export { MnistDataset, FASHION_MNIST_CLASSES, type MnistDatasetOptions } from './mnist.js';
export type { RawImage } from './raw-image.js';
export * as transforms from './transforms.js';
