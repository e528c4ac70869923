/**
 * Activation functions (the lecture's table: sigmoid, tanh, ReLU, GELU, SiLU), forward and backward
 * in the backend's `unary`/`unaryBackward` kernels.
 *
 * @example
 * relu(tensor([-1, 0, 2])) // tensor([0., 0., 2.])
 */
import type { Tensor } from "../tensor/tensor.js";
import { unaryOp } from "./elementwise.js";

/** max(0, x); gradient 1 for x > 0, else 0. */
export const relu = (x: Tensor): Tensor => unaryOp("relu", "ReluBackward", x);
/** x for x > 0, else negativeSlope·x. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor =>
  unaryOp("leakyRelu", "LeakyReluBackward", x, negativeSlope);
/** σ(x) = 1 / (1 + e^−x); σ' = σ(1 − σ) ≤ 0.25 — the vanishing-gradient factor. */
export const sigmoid = (x: Tensor): Tensor => unaryOp("sigmoid", "SigmoidBackward", x);
export const tanh = (x: Tensor): Tensor => unaryOp("tanh", "TanhBackward", x);
/** GELU: x·Φ(x) (exact, with erf) or its tanh approximation (`approximate: "tanh"`). */
export const gelu = (x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor =>
  opts.approximate === "tanh" ? unaryOp("geluTanh", "GeluBackward", x) : unaryOp("gelu", "GeluBackward", x);
/** SiLU (swish): x·σ(x). */
export const silu = (x: Tensor): Tensor => unaryOp("silu", "SiluBackward", x);
