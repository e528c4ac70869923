/**
 * `save` / `load`: PyTorch's `torch.save(model.state_dict(), path)` and
 * `model.load_state_dict(torch.load(path))` for Node, as safetensors files. Synchronous, like PyTorch's.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { loadBytes, saveBytes, type StateDict } from "./state_dict.js";
import type { SafetensorsMetadata } from "./safetensors.js";

/**
 * Saves a state dict as a safetensors file (keys and dtypes as PyTorch's `safetensors.torch.save_file`
 * writes them, see `io.saveBytes`). The write is atomic: the bytes go to a temporary file that is
 * synced and renamed over `path`, so a crash never leaves half a file.
 *
 * @example
 * save(model.stateDict(), "model.safetensors");
 * model.loadStateDict(load("model.safetensors"));
 */
export function save(sd: StateDict, path: string, metadata?: SafetensorsMetadata): void {
  const bytes = saveBytes(sd, metadata);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "w");
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Reads a safetensors file (from {@link save}, PyTorch, Hugging Face) into a state dict of tensors,
 * ready for `model.loadStateDict(load(path))`. Errors name the file.
 */
export function load(path: string): StateDict {
  const bytes = readFileSync(path);
  return loadBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
