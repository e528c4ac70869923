import { kernels } from "../backend/registry.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A tensor that is a module's learnable parameter: `requiresGrad` is on, Module finds it, and its
 * storage is persistent (kept in the fast backend's memory when there is one).
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(kernels.alloc(data.dtype, data.numel(), true), data.shape, requiresGrad);
    this.copy_(data);
    this.reusesGradStorage = true;
  }
}
