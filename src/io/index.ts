/** Model files: safetensors, model directories, ONNX export (browser-safe parts). */
export {};
