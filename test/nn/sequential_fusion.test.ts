// nn.Sequential runs a Linear or Conv2d followed by a ReLU as one kernel call (bias and relu inside
// the gemm or conv); values and gradients must be exactly those of the two modules run one after the other.
import { afterAll, describe, expect, it } from "vitest";
import { F, getBackend, manualSeed, nn, randn, setBackend, type Tensor } from "../../src/index.js";
import { backendsUnderTest, expectClose } from "../helpers.js";

const backends = await backendsUnderTest();
const initial = getBackend();
afterAll(() => setBackend(initial));

/** Output and every parameter's gradient of `net` for input x, after loss = Σ out². */
function run(net: nn.Module, x: Tensor, forward: (x: Tensor) => Tensor): Float32Array[] {
  net.zeroGrad();
  const out = forward(x);
  out.square().sum().backward();
  return [out.dataSync() as Float32Array, ...net.parameters().map((p) => p.grad!.dataSync() as Float32Array)];
}

describe.each(backends)("Sequential Linear→ReLU and Conv2d→ReLU fusion (%s)", (backend) => {
  it("matches relu(linear(x)) in values and gradients, and names its node", () => {
    setBackend(backend);
    manualSeed(3);
    const net = new nn.Sequential(
      new nn.Linear(37, 70),
      new nn.ReLU(),
      new nn.Linear(70, 5),
      new nn.ReLU(),
      new nn.Linear(5, 3),
    );
    const x = randn([19, 37]);
    const l = [net[0], net[2], net[4]] as nn.Linear[];
    const fused = run(net, x, (v) => net(v));
    const plain = run(net, x, (v) =>
      F.linear(
        F.relu(F.linear(F.relu(F.linear(v, l[0].weight, l[0].bias)), l[1].weight, l[1].bias)),
        l[2].weight,
        l[2].bias,
      ),
    );
    fused.forEach((a, i) =>
      expectClose(a, plain[i], { rtol: 1e-6, atol: 1e-7, what: i ? `gradient of parameter ${i - 1}` : "output" }),
    );
    expect((net[0] as nn.Linear).forwardRelu(x).gradFn!.name).toBe("AddmmReluBackward");
  });

  it("runs Conv2d→ReLU as one node with relu(conv2d(x))'s values and gradients", () => {
    setBackend(backend);
    manualSeed(5);
    const net = new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(4, 3, 3),
      new nn.ReLU(),
      new nn.Flatten(),
    );
    const x = randn([3, 2, 8, 8]);
    const c = [net[0], net[3]] as nn.Conv2d[];
    const fused = run(net, x, (v) => net(v));
    const plain = run(net, x, (v) =>
      F.relu(
        F.conv2d(F.maxPool2d(F.relu(F.conv2d(v, c[0].weight, c[0].bias, { padding: 1 })), 2), c[1].weight, c[1].bias),
      ).flatten(1),
    );
    fused.forEach((a, i) =>
      expectClose(a, plain[i], { rtol: 1e-5, atol: 1e-6, what: i ? `gradient of parameter ${i - 1}` : "output" }),
    );
    // Flatten ← ReLU(conv2) ← MaxPool ← ReLU(conv1): both pairs are single nodes.
    const conv2 = net(x).gradFn!.inputs[0];
    expect(conv2.gradFn!.name).toBe("ConvolutionReluBackward");
    expect(conv2.gradFn!.inputs[0].gradFn!.inputs[0].gradFn!.name).toBe("ConvolutionReluBackward");
  });

  it("does not fuse a last Linear→ReLU pair, whose output the caller holds", () => {
    setBackend(backend);
    const net = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());
    expect(net(randn([2, 4])).gradFn!.name).toBe("ReluBackward");
  });

  it("leaves a ReLU subclass with its own forward alone", () => {
    setBackend(backend);
    class HalfReLU extends nn.ReLU {
      override forward(x: Tensor): Tensor {
        return F.relu(x).mul(0.5);
      }
    }
    manualSeed(4);
    const net = new nn.Sequential(new nn.Linear(4, 3), new HalfReLU(), new nn.Identity());
    const x = randn([2, 4]);
    const want = F.relu(F.linear(x, (net[0] as nn.Linear).weight, (net[0] as nn.Linear).bias)).mul(0.5);
    expectClose(net(x).dataSync(), want.dataSync(), { rtol: 1e-6, atol: 1e-7 });
  });
});
