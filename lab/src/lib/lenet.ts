/**
 * LeNet-5 as the course (and PyTorch's fixture `lenet5_step`) writes it, for the convolution page
 * and the opening question: Conv2d(1,6,5,pad 2) → ReLU → MaxPool(2) → Conv2d(6,16,5) → ReLU →
 * MaxPool(2) → Flatten → 400-120-84-10 with ReLU. Input (N, 1, 28, 28); keys "0.weight" … "11.bias".
 */
import { models, type nn, type Tensor } from "gradlab";

/** The library's LeNet-5 (`models.lenet5()`): the lab trains exactly what `gradlab train --model lenet` trains. */
export const buildLeNet = (): nn.Sequential => models.lenet5();

export const LENET_PYTORCH =
  "nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), " +
  "nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))";

/** The feature maps a page shows: the output of these layers (after each ReLU and each pooling). */
export const LENET_MAPS = [
  { index: 1, name: "conv1 → ReLU" },
  { index: 2, name: "max-pool 1" },
  { index: 4, name: "conv2 → ReLU" },
  { index: 5, name: "max-pool 2" },
] as const;

/** Every layer's output for input x (N, 1, 28, 28), in order. */
export function lenetForwardAll(model: nn.Sequential, x: Tensor): Tensor[] {
  const outs: Tensor[] = [];
  for (const m of model) {
    x = m(x);
    outs.push(x);
  }
  return outs;
}
