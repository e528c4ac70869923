/**
 * nn.TransformerEncoderLayer and nn.TransformerEncoder, PyTorch's (Vaswani et al.; pre-norm with
 * `normFirst`, the GPT block):
 *
 *   post-norm: x = norm1(x + SA(x));        x = norm2(x + FF(x))
 *   pre-norm:  x = x + SA(norm1(x));        x = x + FF(norm2(x))
 *   SA = dropout1(self_attn(x, x, x)),      FF = dropout2(linear2(dropout(act(linear1(x)))))
 *
 * Input (batchFirst): (N, L, E), else (L, N, E), or unbatched (L, E); output the same shape.
 * Keys as PyTorch: self_attn.in_proj_weight, ..., linear1.*, linear2.*, norm1.*, norm2.*; an
 * encoder's layers under layers.0., layers.1., ... and its optional final norm under norm.
 */
import type { Tensor } from "../tensor/tensor.js";
import { add } from "../ops/elementwise.js";
import { MultiheadAttention } from "./attention.js";
import { ModuleList } from "./container.js";
import { Dropout, GELU, ReLU } from "./layers.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { LayerNorm } from "./normalization.js";
import { deepcopy } from "./utils.js";

export interface TransformerEncoderLayerOptions {
  /** Default 2048, as PyTorch. */
  dimFeedforward?: number;
  /** Default 0.1, as PyTorch. */
  dropout?: number;
  activation?: "relu" | "gelu";
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Pre-norm (the GPT block). Default false (the original post-norm). */
  normFirst?: boolean;
  bias?: boolean;
}

export interface EncoderForwardOptions {
  /** As MultiheadAttention's attnMask: int32 nonzero = masked, float added. */
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (without srcMask, the causal mask is built). */
  isCausal?: boolean;
}

export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: Module;
  readonly normFirst: boolean;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    opts: TransformerEncoderLayerOptions = {},
  ) {
    super();
    const p = opts.dropout ?? 0.1,
      bias = opts.bias ?? true,
      eps = opts.layerNormEps ?? 1e-5;
    const ff = opts.dimFeedforward ?? 2048;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: opts.batchFirst ?? false });
    this.linear1 = new Linear(dModel, ff, { bias });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias });
    this.norm1 = new LayerNorm(dModel, { eps, bias });
    this.norm2 = new LayerNorm(dModel, { eps, bias });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    const act = opts.activation ?? "relu";
    if (act !== "relu" && act !== "gelu")
      throw new Error(`TransformerEncoderLayer: activation must be "relu" or "gelu", got "${act as string}"`);
    this.activation = act === "gelu" ? new GELU() : new ReLU();
    this.normFirst = opts.normFirst ?? false;
  }

  override forward(src: Tensor, opts: EncoderForwardOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor =>
      this.dropout1(
        this.self_attn(x, x, x, {
          attnMask: opts.srcMask,
          keyPaddingMask: opts.srcKeyPaddingMask,
          needWeights: false,
          isCausal: opts.isCausal,
        })[0],
      );
    const ffn = (x: Tensor): Tensor => this.dropout2(this.linear2(this.dropout(this.activation(this.linear1(x)))));
    let x = src;
    if (this.normFirst) {
      x = add(x, sa(this.norm1(x)));
      x = add(x, ffn(this.norm2(x)));
    } else {
      x = this.norm1(add(x, sa(x)));
      x = this.norm2(add(x, ffn(x)));
    }
    return x;
  }
}

/** A stack of `numLayers` copies of `encoderLayer` (identical initial weights, as PyTorch's deepcopy), then `norm`. */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  norm: Module | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    opts: { norm?: Module | null } = {},
  ) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 1)
      throw new Error(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepcopy(encoderLayer)));
    this.norm = opts.norm ?? null;
  }

  override forward(src: Tensor, opts: EncoderForwardOptions & { mask?: Tensor | null } = {}): Tensor {
    let x = src;
    const layerOpts = {
      srcMask: opts.mask ?? opts.srcMask,
      srcKeyPaddingMask: opts.srcKeyPaddingMask,
      isCausal: opts.isCausal,
    };
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer)(x, layerOpts);
    return this.norm ? this.norm(x) : x;
  }
}
