/**
 * A small residual network for 28×28 images (He et al., 2016, "Deep Residual Learning"): a 3×3
 * stem, stages of basic blocks that halve the resolution and widen the channels, global average
 * pooling and a Linear head, with BatchNorm2d after every convolution.
 */
import { relu } from "../ops/activation.js";
import type { Tensor } from "../tensor/tensor.js";
import { BatchNorm2d } from "../nn/batchnorm.js";
import { Conv2d } from "../nn/conv.js";
import { Sequential } from "../nn/container.js";
import { Flatten, ReLU } from "../nn/layers.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";

/**
 * torchvision's ResNet basic block: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
 * both convolutions 3×3 without bias (BatchNorm's shift replaces it), the first with `stride`.
 * The shortcut is x itself, or `downsample` = Sequential(Conv2d 1×1 with `stride`, BatchNorm2d)
 * when the block changes the resolution or the channel count.
 *
 * Input (N, inChannels, H, W) → (N, outChannels, ⌈H/stride⌉, ⌈W/stride⌉). State-dict keys:
 * `conv1.weight`, `bn1.{weight,bias,running_mean,running_var,num_batches_tracked}`, `conv2.weight`,
 * `bn2.*`, and `downsample.0.weight`, `downsample.1.*` when there is a downsample.
 *
 * The same block in PyTorch:
 * ```python
 * class BasicBlock(nn.Module):
 *     def __init__(self, in_channels, out_channels, stride=1):
 *         super().__init__()
 *         self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
 *         self.bn1 = nn.BatchNorm2d(out_channels)
 *         self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
 *         self.bn2 = nn.BatchNorm2d(out_channels)
 *         self.downsample = None
 *         if stride != 1 or in_channels != out_channels:
 *             self.downsample = nn.Sequential(
 *                 nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels))
 *
 *     def forward(self, x):
 *         out = F.relu(self.bn1(self.conv1(x)))
 *         out = self.bn2(self.conv2(out))
 *         return F.relu(out + (x if self.downsample is None else self.downsample(x)))
 * ```
 */
export class BasicBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride = 1,
  ) {
    super();
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(outChannels);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(outChannels);
    this.downsample =
      stride !== 1 || inChannels !== outChannels
        ? new Sequential(new Conv2d(inChannels, outChannels, 1, { stride, bias: false }), new BatchNorm2d(outChannels))
        : null;
  }

  override forward(x: Tensor): Tensor {
    const out = this.bn2(this.conv2(relu(this.bn1(this.conv1(x)))));
    return relu(out.add(this.downsample ? this.downsample(x) : x));
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, stride=${this.stride}`;
  }
}

/** Options for {@link resnet}. */
export interface ResNetOptions {
  /** Input channels (1 for greyscale). Default 1. */
  inChannels?: number;
  /** Classes the head scores. Default 10. */
  numClasses?: number;
  /** Channels of each stage; every stage after the first halves the resolution. Default [16, 32, 64]. */
  widths?: readonly number[];
  /** Basic blocks per stage. Default 1. */
  blocks?: number;
}

/**
 * A small ResNet as one flat `nn.Sequential` (PyTorch-loadable keys `0.weight`, `1.running_mean`,
 * `3.conv1.weight`, `4.downsample.0.weight`, ..., then the head's `<n>.weight`):
 *
 *   Conv2d(inChannels, w₀, 3, padding 1, no bias), BatchNorm2d, ReLU,
 *   `blocks` BasicBlocks per width (the first of each later stage with stride 2),
 *   AdaptiveAvgPool2d(1), Flatten, Linear(w_last, numClasses).
 *
 * Input (N, inChannels, H, W) → logits (N, numClasses). With the defaults on 28×28 MNIST: stages at
 * 28×28, 14×14 and 7×7, 77,754 parameters (plus BatchNorm buffers), about 9.3 million multiply-adds per image. Initial weights
 * are PyTorch's defaults (BatchNorm γ = 1, β = 0), drawn from the global generator (seed it first).
 *
 * The same model in PyTorch (with the `BasicBlock` printed on {@link BasicBlock}):
 * ```python
 * def resnet(in_channels=1, num_classes=10, widths=(16, 32, 64), blocks=1):
 *     layers = [nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
 *     c = widths[0]
 *     for i, w in enumerate(widths):
 *         for b in range(blocks):
 *             layers.append(BasicBlock(c, w, stride=2 if i > 0 and b == 0 else 1))
 *             c = w
 *     layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes)]
 *     return nn.Sequential(*layers)
 * ```
 *
 * @example
 * const net = models.resnet();
 * net(randn([8, 1, 28, 28])).shape // [8, 10]
 */
export function resnet(opts: ResNetOptions = {}): Sequential {
  const inChannels = opts.inChannels ?? 1;
  const numClasses = opts.numClasses ?? 10;
  const widths = opts.widths ?? [16, 32, 64];
  const blocks = opts.blocks ?? 1;
  const pos = (v: number) => Number.isInteger(v) && v >= 1;
  if (!widths.length || !widths.every(pos) || !pos(blocks) || !pos(inChannels) || !pos(numClasses)) {
    throw new Error(
      `models.resnet: widths ${JSON.stringify(widths)}, blocks ${blocks}, inChannels ${inChannels} and ` +
        `numClasses ${numClasses} must be positive integers (widths a non-empty list), e.g. { widths: [16, 32, 64], blocks: 1 }`,
    );
  }
  const layers: Module[] = [
    new Conv2d(inChannels, widths[0], 3, { padding: 1, bias: false }),
    new BatchNorm2d(widths[0]),
    new ReLU(),
  ];
  let c = widths[0];
  widths.forEach((w, i) => {
    for (let b = 0; b < blocks; b++) {
      layers.push(new BasicBlock(c, w, i > 0 && b === 0 ? 2 : 1));
      c = w;
    }
  });
  layers.push(new AdaptiveAvgPool2d(1), new Flatten(), new Linear(c, numClasses));
  return new Sequential(...layers);
}
