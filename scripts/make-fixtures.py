#!/usr/bin/env python3
"""Regenerates test/fixtures/tiny_mlp.{safetensors,json} with PyTorch.

Run from the repo root with a Python that has torch (see test/fixtures/README.md):
    /tmp/torchvenv/bin/python scripts/make-fixtures.py

The safetensors file is written with `safetensors.torch.save_file` when the
`safetensors` package is importable; otherwise (as on the machine that made the
committed fixture, where only the torch wheel was available) it is written by
hand below with struct + json, following the same layout rules as the
reference writer. The JSON records which writer was used under "writer".
"""
import json
import os
import struct
import sys

import torch
from torch import nn

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")

DTYPE_CODES = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.int64: "I64"}


def save_by_hand(tensors, path, metadata):
    """safetensors layout: u64 LE header length, JSON header padded with spaces
    to 8 bytes, then data sorted by (descending element size, name)."""
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header = {"__metadata__": metadata} if metadata else {}
    offset = 0
    blobs = []
    for name, t in items:
        t = t.detach().contiguous().cpu()
        blob = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPE_CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model.eval()
    # Scaled so that every hidden unit is active for some rows and dead for
    # others; unscaled inputs leave most rows with all-zero hidden activations.
    x = torch.randn(8, 4) * 3
    with torch.no_grad():
        logits = model(x)

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    metadata = {"format": "pt", "source": "scripts/make-fixtures.py"}
    st_path = os.path.join(OUT_DIR, "tiny_mlp.safetensors")
    try:
        from safetensors.torch import save_file  # type: ignore

        save_file(state, st_path, metadata=metadata)
        writer = "safetensors.torch.save_file"
    except ImportError:
        save_by_hand(state, st_path, metadata)
        writer = "hand-written struct+json (safetensors package not installed)"

    expected = {
        "torch_version": torch.__version__,
        "writer": writer,
        "seed": 0,
        "model": "nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))",
        "metadata": metadata,
        # float32 values are printed via float(), i.e. exactly as the float64
        # widening of the stored float32, so JSON round-trips bit-exactly.
        "tensors": {k: {"dtype": "float32", "shape": list(v.shape), "data": [float(e) for e in v.flatten().tolist()]} for k, v in state.items()},
        "input": {"shape": list(x.shape), "data": [float(e) for e in x.flatten().tolist()]},
        "logits": {"shape": list(logits.shape), "data": [float(e) for e in logits.flatten().tolist()]},
    }
    with open(os.path.join(OUT_DIR, "tiny_mlp.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {st_path} with {writer}; torch {torch.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
