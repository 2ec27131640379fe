/** Data sets and loaders (browser-safe; file readers live in the Node entry, `nabla/node`). */
export { TensorDataset, Subset, fetchBatch, toTensors, type Dataset } from './dataset.js';
export { randomSplit, stratifiedSplit } from './split.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export { parseCsv, type CsvData, type CsvOptions, type ColumnRef } from './csv.js';
export { parseCsvRecords, type CsvRecord } from './csv-parse.js';
export { StandardScaler } from './standard-scaler.js';
export * from './image/index.js';
export { twoSpirals } from './synthetic.js';
