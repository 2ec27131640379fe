/** Model files: safetensors, model directories, ONNX export (browser-safe parts). */
export {
  encodeSafetensors,
  decodeSafetensors,
  safetensorsHeader,
  type SafetensorsContent,
  type SafetensorsHeader,
} from './safetensors.js';
export {
  buildModel,
  describeModel,
  registerLayer,
  registerModuleClass,
  type ModuleClassOptions,
  layerTypes,
  parseMlpSpec,
  type ModelSpec,
  type LayerEntry,
  type SpecValue,
} from './model-spec.js';
export {
  packModel,
  unpackModel,
  packState,
  unpackState,
  readJson,
  MODEL_JSON,
  WEIGHTS_FILE,
  TRAINING_JSON,
  type ModelFiles,
  type ModelInfo,
  type LoadedModel,
  type PackedState,
} from './model-file.js';
export { ZOO, zooSpec } from './zoo.js';
export {
  exportOnnx,
  registerOnnxEmitter,
  emitModule,
  OnnxGraphBuilder,
  type OnnxEmitter,
  type OnnxExportOptions,
  type OnnxAttr,
} from './onnx.js';

export {
  toPyTorch,
  fromPyTorch,
  pytorchModelSource,
  type PyTorchExportOptions,
  type PyTorchRecipe,
  type PyTorchData,
  type PyTorchImport,
} from './pytorch.js';
