#!/usr/bin/env python3
"""The SinGAN training iteration in PyTorch, timed per scale: the peer our C# trainer is compared with.

Written for this benchmark from the SinGAN paper and the hyperparameters in docs (not a copy of the
SinGAN repository): the same networks (five 3x3 conv blocks, BatchNorm, LeakyReLU 0.2, Tanh
residual generator, patch critic), WGAN-GP (weight 0.1) + alpha=10 reconstruction, 3 critic + 3
generator steps, a fresh draw through the lower generators before every critic step, Adam.
Driven by `setgan-bench training` on Debian's python3-torch, with the same scale sizes, in
alternating rounds with the C# trainer so that both see the same machine load.
"""
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))


class Body(nn.Module):
    def __init__(self, nfc, out):
        super().__init__()
        self.net = nn.Sequential(block(3, nfc), block(nfc, nfc), block(nfc, nfc), block(nfc, nfc), nn.Conv2d(nfc, out, 3))

    def forward(self, x):
        return self.net(x)


class G(nn.Module):
    def __init__(self, nfc):
        super().__init__()
        self.body = Body(nfc, 3)

    def forward(self, x, y):
        r = torch.tanh(self.body(x))
        return r + y[:, :, 5:-5, 5:-5]


def pad(x):
    return F.pad(x, (5, 5, 5, 5))


def run_lower(gens, sizes, n):
    prev = torch.zeros(1, 3, *sizes[0])
    with torch.no_grad():
        for i in range(n):
            if i > 0:
                prev = F.interpolate(prev, size=sizes[i], mode="bicubic", align_corners=False)
            z = torch.randn(1, 3, *sizes[i]) * 0.1
            prev = gens[i](pad(z + prev), pad(prev))
        return F.interpolate(prev, size=sizes[n], mode="bicubic", align_corners=False)


def iteration(n, g, d, og, od, gens, sizes, real):
    h, w = sizes[n]
    noise_ = torch.randn(1, 3, h, w)
    for _ in range(3):
        prev = run_lower(gens, sizes, n) if n > 0 else torch.zeros(1, 3, h, w)
        noise = pad(noise_ * 0.1 + prev)
        prev_p = pad(prev)
        od.zero_grad()
        err_real = -d(real).mean()
        with torch.no_grad():
            fake = g(noise, prev_p)
        err_fake = d(fake).mean()
        a = torch.rand(1, 1)
        x = (a * real + (1 - a) * fake).requires_grad_(True)
        c = d(x)
        grad = torch.autograd.grad(c, x, torch.ones_like(c), create_graph=True, retain_graph=True)[0]
        gp = ((grad.norm(2, dim=1) - 1) ** 2).mean() * 0.1
        (err_real + err_fake + gp).backward()
        od.step()
    for p in d.parameters():
        p.requires_grad_(False)
    for _ in range(3):
        og.zero_grad()
        fake = g(noise, prev_p)
        rec = F.mse_loss(g(pad(prev), prev_p), real) * 10
        (-d(fake).mean() + rec).backward()
        og.step()
    for p in d.parameters():
        p.requires_grad_(True)


def main():
    """Serves timing requests on stdin so the caller can alternate with its own runs.

    argv[1]: {"sizes": [[h, w], ...], "nfc": [...], "threads": t}. Each stdin line
    {"scale": n, "iterations": k} runs k iterations at scale n and answers {"seconds": [...]}.
    """
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    sizes, nfcs = [tuple(s) for s in spec["sizes"]], spec["nfc"]
    gens, state = [], {}
    for n, nfc in enumerate(nfcs):
        torch.manual_seed(n)
        g = G(nfc)
        gens.append(g)
    for line in sys.stdin:
        request = json.loads(line)
        n = request["scale"]
        if n not in state:
            torch.manual_seed(100 + n)
            g, d = G(nfcs[n]), Body(nfcs[n], 1)
            og = torch.optim.Adam(g.parameters(), lr=5e-4, betas=(0.5, 0.999))
            od = torch.optim.Adam(d.parameters(), lr=5e-4, betas=(0.5, 0.999))
            state[n] = (g, d, og, od, torch.rand(1, 3, *sizes[n]) * 2 - 1)
        g, d, og, od, real = state[n]
        lower = gens[:n]
        for lg in lower:
            lg.eval()
            for p in lg.parameters():
                p.requires_grad_(False)
        times = []
        for _ in range(request["iterations"]):
            t = time.perf_counter()
            iteration(n, g, d, og, od, lower, sizes, real)
            times.append(time.perf_counter() - t)
        print(json.dumps({"seconds": times}), flush=True)


if __name__ == "__main__":
    main()
