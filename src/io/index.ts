/**
 * Browser-safe model I/O: safetensors codec and ONNX export. Node file helpers
 * are in `./safetensors_node.js` so that importing this module never pulls in `fs`.
 */
export type { NamedArray, NamedDType, StateDict, StateDictLike } from "./named_array.js";
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  SafetensorsError,
  type DecodedSafetensors,
  type DecodeOptions,
  type SafetensorsMetadata,
} from "./safetensors.js";
export {
  exportMlpOnnx,
  OnnxExportError,
  type BatchNormLayer,
  type Layer,
  type LinearLayer,
  type OnnxExportOptions,
  type SimpleLayer,
} from "./onnx.js";
