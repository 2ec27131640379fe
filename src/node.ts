/** Node-only entry (`nabla/node`): file system loaders, threads. Never imported by the core. */
export { readCsvFile } from './data/read-csv-file.js';
