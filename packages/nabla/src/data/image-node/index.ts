/** Node-only image data: reading IDX files (gunzip via node:zlib), PNG/JPEG decoding, ImageFolder, Fashion-MNIST. */
export { readIdx, loadMnist, loadFashionMnist, FASHION_MNIST_DIR, type MnistOptions } from './read-idx.js';
export { decodeImage, readImage, imageFormat } from './decode-image.js';
export { ImageFolder, type ImageFolderOptions, type ImageSample } from './image-folder.js';
