/**
 * LeNet-5 (LeCun et al., 1998) as the course builds it: ReLU and max pooling in place of the
 * original's scaled tanh and sub-sampling, and a padded first convolution so 28×28 MNIST digits
 * keep their size (the original took 32×32 input).
 */
import { Conv2d } from "../nn/conv.js";
import { Sequential } from "../nn/container.js";
import { Flatten, ReLU } from "../nn/layers.js";
import { Linear } from "../nn/linear.js";
import { MaxPool2d } from "../nn/pool.js";

/** Options for {@link lenet5}. */
export interface LeNet5Options {
  /** Input channels (1 for greyscale). Default 1. */
  inChannels?: number;
  /** Classes the last Linear scores. Default 10. */
  numClasses?: number;
}

/**
 * LeNet-5 as one flat `nn.Sequential`, so its state-dict keys are PyTorch's (`0.weight`, `3.weight`,
 * `7.weight`, `9.weight`, `11.weight` and their biases) and its checkpoints load into PyTorch with
 * `load_state_dict(strict=True)`.
 *
 * Input (N, inChannels, 28, 28) → logits (N, numClasses); 61,706 parameters for MNIST.
 * conv 5×5 (pad 2) → 6×28×28 → pool → 6×14×14 → conv 5×5 → 16×10×10 → pool → 16×5×5 → 400 → 120 → 84 → 10.
 * Initial weights are PyTorch's defaults, drawn from the global generator (seed it first).
 *
 * The same model in PyTorch:
 * ```python
 * nn.Sequential(
 *     nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
 *     nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
 *     nn.Flatten(),
 *     nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
 * )
 * ```
 *
 * @example
 * const net = models.lenet5();
 * net(randn([64, 1, 28, 28])).shape // [64, 10]
 */
export function lenet5(opts: LeNet5Options = {}): Sequential {
  const inChannels = opts.inChannels ?? 1;
  const numClasses = opts.numClasses ?? 10;
  return new Sequential(
    new Conv2d(inChannels, 6, 5, { padding: 2 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(6, 16, 5),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 5 * 5, 120),
    new ReLU(),
    new Linear(120, 84),
    new ReLU(),
    new Linear(84, numClasses),
  );
}
