/**
 * Module keeps PyTorch's assignment rules (a plain tensor over a parameter is a TypeError, not a parameter
 * silently dropped from parameters() and stateDict()), names the camelCase member when a snake_case one is
 * read, and stays a callable with PyTorch's key order.
 */
import { describe, expect, it } from "vitest";
import { nn, optim, randn, tensor, type Tensor, zeros } from "../../src/index.js";

describe("assigning to a module's fields", () => {
  it("a plain tensor over a parameter is PyTorch's TypeError", () => {
    const layer = new nn.Linear(2, 2);
    expect(() => {
      layer.weight = tensor([
        [1, 2],
        [3, 4],
      ]) as nn.Parameter;
    }).toThrow(
      new TypeError(
        "cannot assign 'Tensor' as parameter 'weight' (nn.Parameter or null expected) " +
          "— wrap it (m.weight = new nn.Parameter(t)) or copy the values in (noGrad(() => m.weight.copy_(t)))",
      ),
    );
    expect(() => {
      (layer as unknown as { bias: unknown }).bias = [1, 2];
    }).toThrow(/cannot assign 'Array' as parameter 'bias'/);
    expect(layer.parameters()).toHaveLength(2);
  });

  it("a Parameter or null is stored, and parameters() and stateDict() follow", () => {
    const layer = new nn.Linear(2, 2);
    const w = new nn.Parameter(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    layer.weight = w;
    layer.bias = null;
    expect(layer.parameters()).toEqual([w]);
    expect(Object.keys(layer.stateDict())).toEqual(["weight"]);
    expect(Array.from(layer(tensor([[1, 1]])).dataSync())).toEqual([3, 7]);
  });

  it("buffers take tensors or null, child modules take modules or null", () => {
    const bn = new nn.BatchNorm1d(3);
    expect(() => {
      (bn as unknown as { running_mean: unknown }).running_mean = 0;
    }).toThrow(new TypeError("cannot assign 'number' as buffer 'running_mean' (Tensor or null expected)"));
    bn.running_mean = zeros([3]);
    const seq = new nn.Sequential(new nn.Linear(2, 2));
    expect(() => {
      (seq as unknown as Record<string, unknown>)["0"] = randn([2]);
    }).toThrow(new TypeError("cannot assign 'Tensor' as child module '0' (nn.Module or null expected)"));
  });

  it("subclass fields of any name work, and the module stays callable with PyTorch's key order", () => {
    class MLP extends nn.Module {
      hidden_size = 3;
      net = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
      scale = 1;
      override forward(x: Tensor) {
        this.scale = 2;
        return this.net(x).mul(this.scale);
      }
      running_total() {
        return this.hidden_size + this.scale;
      }
    }
    const m = new MLP();
    m.hidden_size = 4;
    expect(m(randn([5, 2])).shape).toEqual([5, 1]);
    expect(m.running_total()).toBe(6);
    expect(Object.keys(m.stateDict())).toEqual(["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]);
    expect(m).toBeInstanceOf(nn.Module);
    expect(typeof m).toBe("function");
  });
});

describe("snake_case names from PyTorch", () => {
  it("on a module: an error naming the camelCase method", () => {
    const m = new nn.Sequential(new nn.Linear(2, 2));
    const call = (name: string) => () => (m as unknown as Record<string, () => unknown>)[name]();
    const named = "Sequential has no state_dict: gradlab's names are camelCase — use .stateDict()";
    expect(call("state_dict")).toThrow(new TypeError(named));
    expect(call("load_state_dict")).toThrow(/use \.loadStateDict\(\)/);
    expect(call("named_parameters")).toThrow(/use \.namedParameters\(\)/);
    expect(call("zero_grad")).toThrow(/use \.zeroGrad\(\)/);
    expect(call("register_buffer")).toThrow(/use \.registerBuffer\(\)/);
    // Not a gradlab name in any spelling: plain JS (undefined).
    expect((m as unknown as Record<string, unknown>).requires_grad_).toBeUndefined();
  });

  it("on an optimizer and a scheduler", () => {
    const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
    const get = (o: object, name: string) => () => (o as Record<string, unknown>)[name];
    const named = "SGD has no zero_grad: gradlab's names are camelCase — use .zeroGrad()";
    expect(get(opt, "zero_grad")).toThrow(new TypeError(named));
    expect(get(opt, "state_dict")).toThrow(/use \.stateDict\(\)/);
    expect(get(opt, "load_state_dict")).toThrow(/use \.loadStateDict\(\)/);
    expect(get(opt, "param_groups")).toThrow(/SGD has no param_groups: .* use \.paramGroups$/);
    expect(get(opt, "add_param_group")).toThrow(/use \.addParamGroup\(\)/);
    const sched = new optim.StepLR(opt, { stepSize: 1 });
    expect(get(sched, "get_last_lr")).toThrow(/StepLR has no get_last_lr: .* use \.getLastLr\(\)/);
    // The camelCase members work through the same objects.
    opt.zeroGrad();
    opt.step();
    sched.step();
    expect(sched.getLastLr()).toEqual([0.010000000000000002]);
  });
});

describe("reprs like PyTorch's", () => {
  it("String(module): PyTorch's layout with camelCase names", () => {
    const m = new nn.Sequential(
      new nn.Linear(784, 256),
      new nn.BatchNorm1d(256),
      new nn.ReLU(),
      new nn.Dropout(0.2),
      new nn.Linear(256, 10, { bias: false }),
    );
    expect(String(m)).toBe(
      [
        "Sequential(",
        "  (0): Linear(inFeatures=784, outFeatures=256, bias=true)",
        "  (1): BatchNorm1d(256, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)",
        "  (2): ReLU()",
        "  (3): Dropout(p=0.2)",
        "  (4): Linear(inFeatures=256, outFeatures=10, bias=false)",
        ")",
      ].join("\n"),
    );
  });

  it("String(optimizer): each parameter group's settings in alphabetical order", () => {
    const a = new nn.Linear(2, 2),
      b = new nn.Linear(2, 2);
    const groups = [{ params: a.parameters() }, { params: b.parameters(), lr: 0.001 }];
    const sgd = new optim.SGD(groups, { lr: 0.01, momentum: 0.9 });
    expect(String(sgd)).toBe(
      [
        "SGD (",
        "Parameter Group 0",
        "    dampening: 0",
        "    lr: 0.01",
        "    maximize: false",
        "    momentum: 0.9",
        "    nesterov: false",
        "    weightDecay: 0",
        "",
        "Parameter Group 1",
        "    dampening: 0",
        "    lr: 0.001",
        "    maximize: false",
        "    momentum: 0.9",
        "    nesterov: false",
        "    weightDecay: 0",
        ")",
      ].join("\n"),
    );
    expect(`${new optim.Adam(a.parameters())}`).toBe(
      [
        "Adam (",
        "Parameter Group 0",
        "    amsgrad: false",
        "    betas: [0.9, 0.999]",
        "    eps: 1e-8",
        "    lr: 0.001",
        "    maximize: false",
        "    weightDecay: 0",
        ")",
      ].join("\n"),
    );
  });
});
