#!/usr/bin/env python3
"""PyTorch (eager or torch.compile, CPU) baseline for `capacity bench`: the same three GPT-2
configurations (or, with --workload, the shapes of `capacity bench --workload`), the same
model (pre-LN with bias, rotary, causal attention, tanh-GELU MLP 4C, tied embedding, AdamW) and the
same FLOP count per token, timed the same way (2 untimed steps, then N timed steps of forward +
backward + clip + AdamW on one fixed batch of random tokens).

Not a dependency of the package and not part of `make test`. Run it from a virtual environment
outside the repository, in the same minute as `capacity bench`, with nothing else on the machine:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch
    /tmp/venv/bin/python scripts/bench/pytorch_bench.py --threads 2
    .build/release/capacity bench --threads 2

Prints one line per configuration: tokens/s and GFLOP/s with capacity's FLOP formula
6·(L·12·C² + V·C) + 6·L·C·(T+1) per token.
"""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = [  # (layers, heads, width, vocabulary, context, batch): capacity bench's three
    (2, 2, 64, 512, 128, 16),
    (4, 4, 128, 1024, 128, 16),
    (6, 4, 256, 2048, 256, 8),
]
WORKLOAD = [  # capacity bench --workload: the shapes the committed scenarios train
    (2, 1, 8, 443, 128, 8),
    (2, 1, 16, 443, 128, 8),
    (2, 2, 32, 443, 128, 8),
    (2, 4, 64, 443, 128, 1),
    (2, 4, 128, 443, 128, 2),
]


def rotary_tables(T, hd, base=10000.0):
    inv = 1.0 / base ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    ang = torch.outer(torch.arange(T, dtype=torch.float32), inv)  # [T, hd/2]
    return ang.cos(), ang.sin()


def rotate(x, cos, sin):  # x: [B, H, T, hd], pairs (first half, second half)
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.fc, self.out = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x, cos, sin):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.H, C // self.H).transpose(1, 2) for t in (q, k, v))
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, L, H, C, V, T):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.blocks = nn.ModuleList(Block(C, H) for _ in range(L))
        self.lnf = nn.LayerNorm(C)
        cos, sin = rotary_tables(T, C // H)
        self.register_buffer("cos", cos)
        self.register_buffer("sin", sin)

    def forward(self, idx, targets):
        x = self.wte(idx)
        for b in self.blocks:
            x = b(x, self.cos, self.sin)
        logits = self.lnf(x) @ self.wte.weight.t()  # tied head
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def flops_per_token(L, C, V, T):
    return 6 * (L * 12 * C * C + V * C) + 6 * L * C * (T + 1)


def bench(L, H, C, V, T, B, steps, warmup=2, compile=False, min_seconds=0.0):
    torch.manual_seed(1)
    model = GPT(L, H, C, V, T)
    forward = torch.compile(model) if compile else model
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": other, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.98))
    g = torch.Generator().manual_seed(2)
    idx = torch.randint(0, V, (B, T), generator=g)
    tgt = torch.randint(0, V, (B, T), generator=g)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = forward(idx, tgt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(warmup + (3 if compile else 0)):  # torch.compile traces and compiles here
        step()
    t0 = time.perf_counter()
    done, seconds = 0, 0.0
    while done < steps or seconds < min_seconds:
        step()
        done += 1
        seconds = time.perf_counter() - t0
    tps = done * B * T / seconds
    return tps, tps * flops_per_token(L, C, V, T) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--workload", action="store_true", help="the workload shapes (capacity bench --workload)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model (default: eager)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if not a.json:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), "
              f"CPU capability {torch.backends.cpu.get_cpu_capability()}")
        print("config                       V     T   B   tokens/s   GFLOP/s")
    for L, H, C, V, T, B in (WORKLOAD if a.workload else CONFIGS):
        tps, gf = bench(L, H, C, V, T, B, a.steps, compile=a.compile, min_seconds=1.0 if a.workload else 0.0)
        name = f"gpt2-{L}-{H}-{C}"
        if a.json:
            print(json.dumps({"name": name, "batch": B, "threads": a.threads, "compiled": a.compile,
                              "tokens_per_s": tps, "gflops": gf}))
        else:
            print(f"{name:<26} {V:5d} {T:5d} {B:3d} {tps:10.0f} {gf:9.1f}")


if __name__ == "__main__":
    main()
