/** Saving and loading PyTorch's way: `save(model.stateDict(), path)` / `model.loadStateDict(load(path))`. */
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { F, io, manualSeed, nn, optim, randn, randint, tensor } from "../../src/index.js";
import { load, readSafetensorsFile, save } from "../../src/node.js";
import { expectClose } from "../helpers.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gradlab-sd-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A model with every kind of entry: float parameters, float buffers and BatchNorm's int counter. */
function trainedModel(seed: number): nn.Sequential {
  manualSeed(seed);
  const m = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
  const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    F.crossEntropy(m(randn([16, 4])), randint(0, 3, [16])).backward();
    opt.step();
  }
  return m;
}

const values = (sd: nn.StateDict) =>
  Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, [t.dtype, [...t.shape], Array.from(t.dataSync())]]));

describe("save / load (gradlab/node)", () => {
  it("round-trips every parameter and buffer into a fresh model", () => {
    const a = trainedModel(0),
      b = trainedModel(1);
    expect(values(b.stateDict())).not.toEqual(values(a.stateDict()));
    const path = join(dir, "m.safetensors");
    save(a.stateDict(), path);
    expect(b.loadStateDict(load(path))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(values(b.stateDict())).toEqual(values(a.stateDict()));
    expect(b.stateDict()["1.num_batches_tracked"].item()).toBe(3);
    a.eval();
    b.eval();
    const x = randn([5, 4]);
    expect(Array.from(b(x).dataSync())).toEqual(Array.from(a(x).dataSync()));
  });

  it("writes what PyTorch writes: int64 counters, format pt, and leaves no temporary file", async () => {
    const path = join(dir, "dtypes.safetensors");
    save(trainedModel(0).stateDict(), path, { note: "mine" });
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(tensors.get("1.num_batches_tracked")!.dtype).toBe("int64");
    expect(tensors.get("0.weight")!.dtype).toBe("float32");
    expect(metadata).toEqual({ format: "pt", note: "mine" });
    expect((await readdir(dir)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("loads PyTorch's own file into the same architecture and gives PyTorch's outputs", () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, "tiny_mlp.json"), "utf8"));
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    model.loadStateDict(load(join(FIXTURES, "tiny_mlp.safetensors")));
    const out = model(tensor(ref.input.data, { shape: ref.input.shape }));
    expectClose(out, ref.logits);
  });

  it("names the file when it is not a safetensors file", () => {
    const path = join(FIXTURES, "tiny_mlp.json");
    expect(() => load(path)).toThrow(path);
  });
});

describe("io.saveBytes / io.loadBytes (browsers)", () => {
  it("round-trips through a Uint8Array", () => {
    const a = trainedModel(0),
      b = trainedModel(1);
    const bytes = io.saveBytes(a.stateDict());
    expect(bytes).toBeInstanceOf(Uint8Array);
    b.loadStateDict(io.loadBytes(bytes));
    expect(values(b.stateDict())).toEqual(values(a.stateDict()));
  });

  it("refuses an int64 value that int32 cannot hold, naming the tensor", () => {
    const bytes = io.encodeSafetensors({ big: { shape: [1], dtype: "int64", data: BigInt64Array.of(2n ** 40n) } });
    expect(() => io.loadBytes(bytes, "big.safetensors")).toThrow(
      /big\.safetensors: tensor "big" holds 1099511627776, outside int32/,
    );
  });

  it("keeps a key named __proto__ as a key", () => {
    const bytes = io.saveBytes(Object.defineProperty({}, "__proto__", { value: tensor([1]), enumerable: true }));
    expect(Object.keys(io.loadBytes(bytes))).toEqual(["__proto__"]);
  });
});

describe("loadStateDict takes what load returns and names the slip otherwise", () => {
  const model = () => new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
  const path = join(FIXTURES, "tiny_mlp.safetensors");

  it("a Map (what readSafetensorsFile returns) is refused with the way to a state dict", async () => {
    const { tensors } = await readSafetensorsFile(path);
    expect(() => model().loadStateDict(tensors as never)).toThrow(/Sequential\.loadStateDict: got a Map.*load\(path\)/);
  });

  it("plain arrays instead of tensors name the key", async () => {
    const { tensors } = await readSafetensorsFile(path);
    expect(() => model().loadStateDict(Object.fromEntries(tensors) as never)).toThrow(
      /entry "0\.(weight|bias)" is a plain object, not a Tensor \(a named array/,
    );
  });

  it("a module instead of its state dict", () => {
    expect(() => model().loadStateDict(model() as never)).toThrow(
      /got a module; pass its state dict: model\.stateDict\(\)/,
    );
    expect(() => io.saveBytes(model() as never)).toThrow(/saveBytes: got a module/);
  });
});
