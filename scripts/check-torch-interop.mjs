#!/usr/bin/env node
// Manual interop check, NOT part of the vitest suite (CI may lack torch):
//   node scripts/check-torch-interop.mjs
//
// 1. gradlab writes a safetensors file with every dtype it supports; Python
//    reads it (safetensors.torch.load_file if installed, else a struct+json
//    reader built on torch.frombuffer) and prints the values, which must match
//    exactly.
// 2. gradlab re-writes the committed tiny_mlp fixture; torch loads it into
//    nn.Sequential(Linear(4,3), ReLU, Linear(3,2)) with strict=True and must
//    reproduce the fixture's logits.
// 3. If some python3 has the `onnx` package, gradlab's exported MLPs must pass
//    onnx.checker.check_model(full_check=True).
//
// The Python with torch is $GRADLAB_TORCH_PYTHON, else /tmp/torchvenv/bin/python,
// else python3. Exits non-zero on any mismatch or if no torch is found.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register(); // lets this .mjs import the TypeScript sources directly, no build needed
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { writeSafetensorsFile, readSafetensorsFile } = await import(join(root, "src/io/safetensors_node.ts"));
const { exportMlpOnnx } = await import(join(root, "src/io/onnx.ts"));

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

function runPython(python, code, args = []) {
  const r = spawnSync(python, ["-c", code, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${python} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

function findTorchPython() {
  const candidates = [process.env.GRADLAB_TORCH_PYTHON, "/tmp/torchvenv/bin/python", "python3"].filter(Boolean);
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    if (r.status === 0) return { python: py, version: r.stdout.trim() };
  }
  return null;
}

// Python side of step 1: prints {name: {dtype, shape, values}} as JSON.
const PY_READ = String.raw`
import json, struct, sys, torch
path = sys.argv[1]
try:
    from safetensors.torch import load_file
    tensors, reader = load_file(path), "safetensors.torch.load_file"
except ImportError:
    # Independent reader: the safetensors package is not installed here.
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = bytearray(raw[8 + n + b: 8 + n + e])
        t = torch.frombuffer(buf, dtype=dtypes[info["dtype"]]) if buf else torch.empty(0, dtype=dtypes[info["dtype"]])
        tensors[name] = t.reshape(info["shape"])
    reader = "struct+json+torch.frombuffer"
out = {k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": [str(x) if v.dtype == torch.int64 else x for x in v.flatten().tolist()]} for k, v in tensors.items()}
print(json.dumps({"reader": reader, "tensors": out}))
`;

// Python side of step 2: loads weights into the fixture's architecture and prints logits.
const PY_FORWARD = String.raw`
import json, struct, sys, torch
from torch import nn
path, fixture = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    raw = f.read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
state = {}
for name, info in header.items():
    if name == "__metadata__":
        continue
    b, e = info["data_offsets"]
    state[name] = torch.frombuffer(bytearray(raw[8 + n + b: 8 + n + e]), dtype=torch.float32).reshape(info["shape"])
model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
model.load_state_dict(state, strict=True)
exp = json.load(open(fixture))
x = torch.tensor(exp["input"]["data"], dtype=torch.float32).reshape(exp["input"]["shape"])
with torch.no_grad():
    print(json.dumps({"metadata": header.get("__metadata__"), "logits": model(x).flatten().tolist()}))
`;

const PY_ONNX_CHECK = String.raw`
import sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    out = m.graph.output[0].type.tensor_type.shape
    print(path.rsplit("/", 1)[-1], "ir", m.ir_version, "opset", m.opset_import[0].version,
          "nodes", [n.op_type for n in m.graph.node][:8], "out", [d.dim_param or d.dim_value for d in out.dim])
print("onnx", onnx.__version__, "checker passed")
`;

const torch = findTorchPython();
if (!torch) {
  console.error("No Python with torch found (set GRADLAB_TORCH_PYTHON); nothing was checked.");
  process.exit(2);
}
console.log(`python: ${torch.python} (torch ${torch.version})`);
const dir = mkdtempSync(join(tmpdir(), "gradlab-interop-"));
try {
  // Step 1: every dtype, including a scalar and an empty tensor.
  const sample = new Map([
    ["f32", { shape: [2, 3], dtype: "float32", data: new Float32Array([1.5, -2, 3.25, 0, 1e-30, -7.125]) }],
    ["f64", { shape: [3], dtype: "float64", data: new Float64Array([Math.PI, -1, 1e300]) }],
    ["i32", { shape: [2, 2], dtype: "int32", data: new Int32Array([1, -2, 2147483647, -2147483648]) }],
    ["i64", { shape: [], dtype: "int64", data: new BigInt64Array([9007199254740993n]) }],
    ["empty", { shape: [0, 4], dtype: "float32", data: new Float32Array(0) }],
  ]);
  const p1 = join(dir, "sample.safetensors");
  await writeSafetensorsFile(p1, sample, { producer: "gradlab" });
  const got = JSON.parse(runPython(torch.python, PY_READ, [p1]));
  console.log(`python reader: ${got.reader}`);
  for (const [name, arr] of sample) {
    const t = got.tensors[name];
    const want = Array.from(arr.data, (v) => (typeof v === "bigint" ? v.toString() : v));
    check(
      t !== undefined &&
        JSON.stringify(t.shape) === JSON.stringify(arr.shape) &&
        JSON.stringify(t.values) === JSON.stringify(want),
      `${name}: torch sees ${t?.dtype} ${JSON.stringify(t?.shape)} ${JSON.stringify(t?.values)}`,
    );
  }

  // Step 2: gradlab-written weights drive a real torch model.
  const fixtureJson = join(root, "test/fixtures/tiny_mlp.json");
  const expected = JSON.parse(readFileSync(fixtureJson, "utf8"));
  const { tensors, metadata } = await readSafetensorsFile(join(root, "test/fixtures/tiny_mlp.safetensors"));
  const p2 = join(dir, "tiny_mlp_rewritten.safetensors");
  await writeSafetensorsFile(p2, tensors, metadata);
  const fwd = JSON.parse(runPython(torch.python, PY_FORWARD, [p2, fixtureJson]));
  check(
    JSON.stringify(fwd.metadata) === JSON.stringify(expected.metadata),
    `metadata survives: ${JSON.stringify(fwd.metadata)}`,
  );
  check(
    JSON.stringify(fwd.logits) === JSON.stringify(expected.logits.data),
    `torch logits from gradlab-written weights equal the fixture's bit for bit: ${JSON.stringify(fwd.logits)}`,
  );

  // Step 3: ONNX checker, with whichever python3 has onnx.
  // Debian's python3-onnx lives in the system Python, not in the torch venv.
  const onnxPython = ["/usr/bin/python3", torch.python, "python3"]
    .filter((py) => py === "python3" || existsSync(py))
    .find((py) => spawnSync(py, ["-c", "import onnx"]).status === 0);
  if (!onnxPython) {
    console.log("skip onnx checker: no python3 with the onnx package");
  } else {
    const rand = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.1);
    const lin = (i, o, bias = true) => ({
      type: "linear",
      inFeatures: i,
      outFeatures: o,
      weight: rand(i * o),
      bias: bias ? rand(o) : null,
    });
    const bn = (n) => ({
      type: "batchnorm",
      weight: rand(n).map((v) => 1 + v),
      bias: rand(n),
      runningMean: rand(n),
      runningVar: rand(n).map((v) => 1 + Math.abs(v)),
      eps: 1e-5,
    });
    const models = {
      "mlp_relu.onnx": [lin(784, 16), { type: "relu" }, lin(16, 16), { type: "relu" }, lin(16, 10)],
      "mlp_mixed.onnx": [
        lin(20, 12),
        bn(12),
        { type: "gelu" },
        lin(12, 8, false),
        { type: "silu" },
        lin(8, 6),
        { type: "sigmoid" },
        lin(6, 6),
        { type: "tanh" },
        { type: "leakyRelu", alpha: 0.1 },
        { type: "dropout" },
        lin(6, 4),
        { type: "logSoftmax" },
      ],
    };
    const paths = Object.entries(models).map(([name, layers]) => {
      const p = join(dir, name);
      writeFileSync(p, exportMlpOnnx(layers, { inputSize: layers[0].inFeatures }));
      return p;
    });
    const r = spawnSync(onnxPython, ["-c", PY_ONNX_CHECK, ...paths], { encoding: "utf8" });
    process.stdout.write(r.stdout);
    check(
      r.status === 0,
      `onnx.checker.check_model(full_check=True) with ${onnxPython}${r.status ? `: ${r.stderr}` : ""}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(failures.length === 0 ? "all interop checks passed" : `${failures.length} interop check(s) FAILED`);
process.exit(failures.length === 0 ? 0 : 1);
