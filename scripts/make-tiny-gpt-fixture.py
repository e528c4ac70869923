#!/usr/bin/env python3
"""Writes test/fixtures/tiny_gpt.json: PyTorch's numbers for a tiny GPT of the class gradlab's
models.gpt loads into (bench/torch_gpt.py's GPT, the README's), so test/models/gpt.test.ts can check
gradlab's forward pass, loss and gradients against them.

Config: vocab 11, block 8, 2 layers, 2 heads, width 16 (feed-forward 64), no dropout, train mode.
Weights: PyTorch's init under torch.manual_seed(0), then every parameter moved by N(0, 0.2) noise so
the two layers differ (nn.TransformerEncoder starts them as copies) and LayerNorm's affine terms are
not 1 and 0. Input: two rows of 8 and 5 token ids; targets the next ids. Deterministic: re-running it
rewrites the same file.

    ~/.cache/gradlab-bench/torchvenv/bin/python scripts/make-tiny-gpt-fixture.py   # from the repo root
"""
import json, os, sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from torch_gpt import GPT  # noqa: E402  the one PyTorch class

torch.manual_seed(0)
V, T = 11, 8
model = GPT(V, block_size=T, d_model=16, n_head=2, n_layer=2)
with torch.no_grad():
    for p in model.parameters():
        p.add_(torch.randn_like(p) * 0.2)
model.train()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


cases = []
for rows, t in (([[1, 4, 2, 9, 0, 3, 3, 10, 7], [5, 5, 6, 1, 8, 2, 0, 4, 9]], T), ([[2, 7, 1, 0, 6, 10]], 5)):
    ids = torch.tensor(rows)
    x, y = ids[:, :t], ids[:, 1:t + 1]
    model.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    loss.backward()
    grads = {k: {"shape": list(p.grad.shape), "data": flat(p.grad)} for k, p in model.named_parameters()
             if k in ("tok_emb.weight", "pos_emb.weight", "blocks.layers.0.self_attn.in_proj_weight",
                      "blocks.layers.1.linear1.bias", "blocks.layers.1.norm2.weight", "ln_f.bias", "head.weight")}
    cases.append({"x": x.tolist(), "y": y.tolist(), "logits": {"shape": list(logits.shape), "data": flat(logits)},
                  "loss": loss.item(), "grads": grads})

out = {
    "torch": torch.__version__,
    "config": {"vocabSize": V, "blockSize": T, "nLayer": 2, "nHead": 2, "nEmbd": 16, "dropout": 0},
    "stateDict": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in model.state_dict().items()},
    "cases": cases,
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "tiny_gpt.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}: {len(out['stateDict'])} tensors, losses {[round(c['loss'], 6) for c in cases]}")
