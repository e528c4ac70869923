/**
 * `io`: browser-safe model I/O — state dicts to and from safetensors bytes and the safetensors codec on
 * plain arrays. The file versions (`save`, `load`) are in `gradlab/node`, so that importing this module
 * never pulls in `fs`. ONNX export (`./onnx.ts`, used by `gradlab export`) is not re-exported here: it
 * brings protobufjs, which would add about 90 KB to every browser bundle of gradlab.
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
