/**
 * The reference backend: every kernel in plain TypeScript, one file per family. Correct first;
 * other backends are checked against it and fall back to it. A new family adds its file and
 * one line here.
 */
import type { Kernels } from "../kernels.js";
import { attentionKernels } from "./attention.js";
import { convKernels } from "./conv.js";
import { elementwise } from "./elementwise.js";
import { embeddingKernels } from "./embedding.js";
import { gemmKernels } from "./gemm.js";
import { indexing } from "./indexing.js";
import { lossKernels } from "./loss.js";
import { normKernels } from "./norm.js";
import { optimKernels } from "./optim.js";
import { poolKernels } from "./pool.js";
import { padKernels } from "./pad.js";
import { reductions } from "./reduce.js";
import { selectKernels } from "./select.js";
import { recurrentKernels } from "./recurrent.js";
import { sortKernels } from "./sort.js";
import { storage } from "./storage.js";
import { upsampleKernels } from "./upsample.js";

export const jsKernels: Kernels = {
  ...storage,
  ...gemmKernels,
  ...elementwise,
  ...reductions,
  ...lossKernels,
  ...indexing,
  ...optimKernels,
  ...convKernels,
  ...poolKernels,
  ...normKernels,
  ...padKernels,
  ...upsampleKernels,
  ...selectKernels,
  ...embeddingKernels,
  ...recurrentKernels,
  ...sortKernels,
  ...attentionKernels,
};
