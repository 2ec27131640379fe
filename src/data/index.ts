/** Data sets and loaders (browser-safe; file readers live in src/io/node or the Node entry). */
export {};
