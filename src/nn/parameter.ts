import { Tensor } from "../tensor/tensor.js";

/** A tensor that is a module's learnable parameter: `requiresGrad` is on, and Module finds it. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.data, data.shape, requiresGrad);
  }
}
