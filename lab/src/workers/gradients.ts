/// <reference lib="webworker" />
/** Worker for the vanishing-gradients page: builds the stack, runs one backward pass on random data. */
import { F, manualSeed, randint, randn } from "gradlab";
import { DeepNet } from "../lib/deepnet.ts";
import type { GradientsTask } from "../protocol/gradients.ts";
import { serve } from "./runtime.ts";

serve<GradientsTask>(() => ({
  requests: {
    async norms({ net, seed, batch }) {
      manualSeed(seed);
      const model = new DeepNet(net);
      const x = randn([batch, net.inputs]),
        y = randint(0, net.outputs, [batch]);
      const loss = F.crossEntropy(model(x), y);
      loss.backward();
      const [norms, l] = await Promise.all([model.gradNorms(), loss.itemAsync()]);
      return { norms, loss: l };
    },
  },
}));
