// Entry point of the gradlab kernel module: every export is a kernel the JS side calls with
// pointers into the (imported, usually shared) linear memory. No AS runtime objects are used, so
// the stub runtime never allocates and several threads can run the same module concurrently.
export { gemm, gemmScratchFloats } from "./gemm";
export { unary, unaryBackward, binaryInner, binaryStrided, clamp } from "./elementwise";
export { reduce, softmax, softmaxBackward, crossEntropyForward, crossEntropyBackward } from "./reduce";
export { permute, gatherRows, scatterAddRows, axpy, sgdStepTasks, adamStep } from "./misc";

/** First byte the JS allocator may hand out (after AS's static data). */
export function heapBase(): usize { return __heap_base; }
