#!/usr/bin/python3
"""PyTorch peer of bench/train_throughput.cc: the same llama-shaped model (RMSNorm, RoPE, grouped-query
attention, SwiGLU, untied output), forward + backward + AdamW on B sequences of T random tokens, every
position trained, on CPU with the given threads. Prints tokens/s over the timed steps.

Uses Debian's python3-torch (apt install python3-torch); run with /usr/bin/python3."""
import argparse
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope(x, cos, sin):  # x: [B, H, T, D], NeoX-free "normal" rotation of adjacent pairs as llama.cpp's LLAMA type
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return out.flatten(-2)


class Block(nn.Module):
    def __init__(self, d, h, hkv, ff):
        super().__init__()
        self.h, self.hkv, self.hd = h, hkv, d // h
        self.attn_norm, self.ffn_norm = RMSNorm(d), RMSNorm(d)
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, hkv * self.hd, bias=False)
        self.wv = nn.Linear(d, hkv * self.hd, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.gate = nn.Linear(d, ff, bias=False)
        self.up = nn.Linear(d, ff, bias=False)
        self.down = nn.Linear(ff, d, bias=False)

    def forward(self, x, cos, sin):
        B, T, D = x.shape
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.wk(h).view(B, T, self.hkv, self.hd).transpose(1, 2)
        v = self.wv(h).view(B, T, self.hkv, self.hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        rep = self.h // self.hkv
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        # torch 1.13 (Debian 12) has no scaled_dot_product_attention: the plain masked softmax, as ggml does.
        s = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        a = torch.softmax(s, dim=-1) @ v
        x = x + self.wo(a.transpose(1, 2).reshape(B, T, D))
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Llama(nn.Module):
    def __init__(self, vocab, d, layers, h, hkv, ff, ctx):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, h, hkv, ff) for _ in range(layers))
        self.norm = RMSNorm(d)
        self.out = nn.Linear(d, vocab, bias=False)
        hd = d // h
        inv = 1.0 / (10000.0 ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.arange(ctx).float()[:, None] * inv[None, :]
        self.register_buffer("cos", ang.cos(), persistent=False)
        self.register_buffer("sin", ang.sin(), persistent=False)

    def forward(self, tokens):
        T = tokens.shape[1]
        x = self.emb(tokens)
        cos, sin = self.cos[:T], self.sin[:T]
        for b in self.blocks:
            x = b(x, cos, sin)
        return self.out(self.norm(x))


def main():
    p = argparse.ArgumentParser()
    for name, default in [("vocab", 32000), ("embd", 256), ("layers", 4), ("heads", 8), ("kv_heads", 4), ("ff", 768),
                          ("batch", 8), ("seq", 128), ("steps", 5), ("warmup", 1), ("threads", 2)]:
        p.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Llama(a.vocab, a.embd, a.layers, a.heads, a.kv_heads, a.ff, a.seq + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
    timed = 0.0
    for s in range(a.warmup + a.steps):
        tokens = torch.randint(0, a.vocab, (a.batch, a.seq + 1))
        t0 = time.perf_counter()
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), tokens[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        dt = time.perf_counter() - t0
        if s >= a.warmup:
            timed += dt
        print(f"step {s} loss {loss.item():.4f} {dt:.2f}s", file=sys.stderr)
    print(f"{a.steps * a.batch * a.seq / timed:.1f}")


if __name__ == "__main__":
    main()
