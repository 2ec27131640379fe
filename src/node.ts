/** Node-only entry (`nabla/node`): file system loaders, threads. Never imported by the core. */
export { readCsvFile } from './data/read-csv-file.js';
export {
  writeFileAtomic, writeModelFiles, readModelFiles, saveModel, loadModel, saveSafetensors, loadSafetensors,
} from './io/node-files.js';
export * from './data/image-node/index.js';
