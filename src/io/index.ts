/**
 * `io`: browser-safe model I/O — state dicts to and from safetensors bytes, the safetensors codec on
 * plain arrays, and ONNX export. The file versions (`save`, `load`) are in `gradlab/node`, so that
 * importing this module never pulls in `fs`.
 */
export { saveBytes, loadBytes, type StateDict } from "./state_dict.js";
export type { NamedArray, NamedDType, NamedArrays, NamedArraysLike } from "./named_array.js";
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
