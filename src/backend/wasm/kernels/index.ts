/**
 * The wasm backend's kernel families, one file each (glue over the AssemblyScript kernel of the
 * same name in assembly/). A new family adds its file and one line here.
 */
import type { Kernels } from "../../kernels.js";
import type { WasmContext, WasmFamily } from "../context.js";
import { attentionFamily } from "./attention.js";
import { convFamily } from "./conv.js";
import { elementwiseFamily } from "./elementwise.js";
import { embeddingFamily } from "./embedding.js";
import { gemmFamily } from "./gemm.js";
import { indexingFamily } from "./indexing.js";
import { lossFamily } from "./loss.js";
import { normFamily } from "./norm.js";
import { optimFamily } from "./optim.js";
import { poolFamily } from "./pool.js";
import { padFamily } from "./pad.js";
import { reduceFamily } from "./reduce.js";
import { selectFamily } from "./select.js";
import { recurrentFamily } from "./recurrent.js";
import { sortFamily } from "./sort.js";
import { storageFamily } from "./storage.js";
import { upsampleFamily } from "./upsample.js";

const families: readonly WasmFamily[] = [
  storageFamily,
  gemmFamily,
  elementwiseFamily,
  reduceFamily,
  lossFamily,
  indexingFamily,
  optimFamily,
  convFamily,
  poolFamily,
  normFamily,
  padFamily,
  upsampleFamily,
  selectFamily,
  embeddingFamily,
  recurrentFamily,
  sortFamily,
  attentionFamily,
];

/** Every kernel the wasm backend implements, bound to one loaded module. */
export function makeKernels(ctx: WasmContext): Partial<Kernels> {
  return Object.assign({}, ...families.map((family) => family(ctx))) as Partial<Kernels>;
}
