// Entry point of the gradlab kernel module: every export is a kernel the JS side calls with
// pointers into the (imported, usually shared) linear memory. No AS runtime objects are used, so
// the stub runtime never allocates and several threads can run the same module concurrently.
// One file per kernel family, mirrored by src/backend/js/<family>.ts (the reference) and
// src/backend/wasm/kernels/<family>.ts (the glue); a new family adds its export line here.
export { gemm, gemmBlocks, gemmScratchFloats } from "./gemm";
export { unary, unaryBackward, binaryInner, binaryStrided, clamp, axpy } from "./elementwise";
export { reduce, softmax, softmaxBackward } from "./reduce";
export { crossEntropyForward, crossEntropyBackward } from "./loss";
export { permute, gatherRows, scatterAddRows, gatherAlong, scatterAddAlong } from "./indexing";
export { sgdStepTasks, adamStepTasks } from "./optim";
export { convScratchFloats, convPackWeight, conv2dForward, conv2dBackwardInput, convInputPath, conv2dBackwardWeight, convReduceWeight } from "./conv";
export { maxPool2d, avgPool2d, avgPool2dBackward, adaptiveAvgPool2d, adaptiveAvgPool2dBackward } from "./pool";
export { layerNormForward, layerNormBackward, sumPartials, batchNormForward, batchNormBackward } from "./norm";
export { pad, padBackward } from "./pad";
export { upsample, upsampleBackward } from "./upsample";
export { whereInner, whereStrided, triangle } from "./select";
export { embedding, embeddingBackward } from "./embedding";
export { rnnCell, rnnCellBackward, lstmCell, lstmCellBackward, gruCell, gruCellBackward } from "./recurrent";
export { topk, cumsum, multinomial } from "./sort";
export { attentionForward, attentionBackward } from "./attention";

/** First byte the JS allocator may hand out (after AS's static data). */
export function heapBase(): usize { return __heap_base; }
