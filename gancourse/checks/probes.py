"""Probes shared by the network checks of lessons 01 and 02: build the student's G or D, run it, describe it."""

from __future__ import annotations

import torch

from .common import build_module, describe, extreme_output, run_student
from .protocol import generator


def probe_generator(seed: int, Generator, n: int, gradients: bool = False) -> dict:
    """G's output on ``n`` noise vectors, its layers, its extreme outputs and (``gradients``) unreached parameters."""
    torch.manual_seed(seed)
    G = build_module(Generator, "Generator")
    z_dim = int(getattr(G, "z_dim", 100))
    z = torch.randn(n, z_dim, generator=generator(seed))  # (n, z_dim)
    out = run_student("Generator.forward", G, z)
    report = {"z_dim": z_dim, "out": out, "layers": describe(G)}
    if isinstance(out, torch.Tensor) and out.shape == (n, 1, 28, 28):
        report["extreme"] = extreme_output(G, "Generator", z)
        report["per_sample"] = per_sample(G, z)
        if gradients:
            out.float().mean().backward()
            report["no_grad"] = [name for name, p in G.named_parameters() if p.requires_grad and p.grad is None]
    return report


def per_sample(G, z: torch.Tensor) -> list:
    """Probe: G's outputs in eval mode for the whole batch ``z`` and for its row 2 alone (they must agree)."""
    mode = G.training
    G.eval()
    with torch.no_grad():
        pair = [run_student("Generator.forward", G, z), run_student("Generator.forward", G, z[2:3])]
    G.train(mode)
    return pair


def probe_discriminator(seed: int, Discriminator, n: int, eval_extreme: bool = False) -> dict:
    """D's logits for ``n`` random images, its layers and its extreme outputs (in eval mode if ``eval_extreme``)."""
    torch.manual_seed(seed)
    D = build_module(Discriminator, "Discriminator")
    x = torch.rand(n, 1, 28, 28, generator=generator(seed)) * 2 - 1  # (n, 1, 28, 28)
    out = run_student("Discriminator.forward", D, x)
    return {
        "out": out,
        "layers": describe(D),
        "extreme": extreme_output(D.eval() if eval_extreme else D, "Discriminator", x),
    }
