// nn.Sequential runs a Linear followed by a ReLU as one kernel call (bias and relu inside the
// gemm); values and gradients must be exactly those of the two modules run one after the other.
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

describe.each(backends)("Sequential Linear→ReLU fusion (%s)", (backend) => {
  it("matches relu(linear(x)) in values and gradients, and names its node", () => {
    setBackend(backend);
    manualSeed(3);
    const net = new nn.Sequential(new nn.Linear(37, 70), new nn.ReLU(), new nn.Linear(70, 5), new nn.ReLU(), new nn.Linear(5, 3));
    const x = randn([19, 37]);
    const l = [net[0], net[2], net[4]] as nn.Linear[];
    const fused = run(net, x, (v) => net(v));
    const plain = run(net, x, (v) => F.linear(F.relu(F.linear(F.relu(F.linear(v, l[0].weight, l[0].bias)), l[1].weight, l[1].bias)), l[2].weight, l[2].bias));
    fused.forEach((a, i) => expectClose(a, plain[i], { rtol: 1e-6, atol: 1e-7, what: i ? `gradient of parameter ${i - 1}` : "output" }));
    expect((net[0] as nn.Linear).forwardRelu(x).gradFn!.name).toBe("AddmmReluBackward");
  });

  it("does not fuse a last Linear→ReLU pair, whose output the caller holds", () => {
    setBackend(backend);
    const net = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());
    expect(net(randn([2, 4])).gradFn!.name).toBe("ReluBackward");
  });

  it("leaves a ReLU subclass with its own forward alone", () => {
    setBackend(backend);
    class HalfReLU extends nn.ReLU { override forward(x: Tensor): Tensor { return F.relu(x).mul(0.5); } }
    manualSeed(4);
    const net = new nn.Sequential(new nn.Linear(4, 3), new HalfReLU(), new nn.Identity());
    const x = randn([2, 4]);
    const want = F.relu(F.linear(x, (net[0] as nn.Linear).weight, (net[0] as nn.Linear).bias)).mul(0.5);
    expectClose(net(x).dataSync(), want.dataSync(), { rtol: 1e-6, atol: 1e-7 });
  });
});
