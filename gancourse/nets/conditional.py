"""Class-conditional GANs on top of DCGAN. Introduced in lesson 03.

G(z, y): the label becomes a vector (one-hot, as in the seed's ``y_dim=10`` design, or a
learned embedding) joined to z before the DCGAN generator.

Two ways to condition D(x, y):

* **concat** — the one-hot label is broadcast to (N, n_classes, H, W) maps and joined to
  the image channels, so every convolution sees the label;
* **projection** (Miyato & Koyama, 2018) — D computes features φ(x) and outputs
  ``D(x, y) = ψ(φ(x)) + <e_y, φ(x)>`` with a learned class embedding e_y.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..tensors import generate
from .blocks import dcgan_init_
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator


@dataclass
class CGANConfig(DCGANConfig):
    n_classes: int = 10
    embed_dim: int = 0  # 0: one-hot labels; > 0: a learned embedding of this size in G
    discriminator: str = "concat"  # "concat" or "projection"


def one_hot_input(z: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """G's input [z, onehot(y)]: (N, z_dim), (N,) -> (N, z_dim + n_classes)."""
    return torch.cat([z, F.one_hot(y, n_classes).to(z.dtype)], dim=1)  # (N, z_dim + n_classes)


def one_hot_maps(x: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """D's input: the image plus one constant map per class, (N, C, H, W) -> (N, C + n_classes, H, W)."""
    n, _, h, w = x.shape
    maps = (
        F.one_hot(y, n_classes).to(x.dtype).view(n, n_classes, 1, 1).expand(n, n_classes, h, w)
    )  # (N, n_classes, H, W)
    return torch.cat([x, maps], dim=1)  # (N, C + n_classes, H, W)


class ConditionalGenerator(nn.Module):
    """(z (N, z_dim), y (N,)) -> images (N, C, S, S) showing class y.

    ``label_input(z, y, n_classes)`` joins the label to the noise (lesson 03 passes the student's);
    with ``cfg.embed_dim > 0`` a learned embedding of that size replaces the one-hot vector.
    """

    def __init__(
        self,
        cfg: CGANConfig = CGANConfig(),
        label_input: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor] = one_hot_input,
    ):
        super().__init__()
        self.cfg = cfg
        self.z_dim = cfg.z_dim  # the noise size, as on every generator
        self.label_input = label_input
        label_dim = cfg.embed_dim or cfg.n_classes
        self.embed = nn.Embedding(cfg.n_classes, cfg.embed_dim) if cfg.embed_dim else None
        self.net = DCGANGenerator(cfg, in_dim=cfg.z_dim + label_dim)
        if self.embed is not None:
            dcgan_init_(self.embed)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.embed is not None:
            h = torch.cat([z, self.embed(y)], dim=1)  # (N, z_dim + embed_dim)
        else:
            h = self.label_input(z, y, self.cfg.n_classes)  # (N, z_dim + n_classes)
        return self.net(h)  # (N, C, S, S)


class ConcatDiscriminator(nn.Module):
    """(x (N, C, S, S), y (N,)) -> logits (N,), with one-hot label maps joined to the image.

    ``label_maps(x, y, n_classes)`` builds D's input (lesson 03 passes the student's).
    """

    def __init__(
        self,
        cfg: CGANConfig = CGANConfig(),
        label_maps: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor] = one_hot_maps,
    ):
        super().__init__()
        self.cfg = cfg
        self.label_maps = label_maps
        self.net = DCGANDiscriminator(cfg, in_channels=cfg.channels + cfg.n_classes)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.net(self.label_maps(x, y, self.cfg.n_classes))  # (N, C + n_classes, S, S) -> (N,)


class ProjectionDiscriminator(nn.Module):
    """(x, y) -> ψ(φ(x)) + <e_y, φ(x)>, logits (N,)."""

    def __init__(self, cfg: CGANConfig = CGANConfig()):
        super().__init__()
        self.cfg = cfg
        self.net = DCGANDiscriminator(cfg)  # φ = net.features, ψ = net.head
        self.embed = nn.Embedding(cfg.n_classes, self.net.feature_dim)  # e_y: (n_classes, F)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        phi = self.net.features(x)  # (N, F)
        unconditional = self.net.head(phi).squeeze(1)  # (N,)
        return unconditional + (self.embed(y) * phi).sum(dim=1)  # (N,)


def make_discriminator(cfg: CGANConfig) -> nn.Module:
    kinds = {"concat": ConcatDiscriminator, "projection": ProjectionDiscriminator}
    if cfg.discriminator not in kinds:
        raise ValueError(f"discriminator must be one of {', '.join(kinds)}, got {cfg.discriminator!r}")
    return kinds[cfg.discriminator](cfg)


def sample_classes(G: nn.Module, labels, z: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
    """Images of the requested classes: ``sample_classes(G, [3, 3, 7])`` -> (3, C, S, S) in [-1, 1].

    Runs G in eval mode without a graph and restores its mode afterwards.
    """
    device = next(G.parameters()).device
    y = torch.as_tensor(labels, dtype=torch.long, device=device).flatten()  # (N,)
    if y.numel() and (y.min() < 0 or y.max() >= G.cfg.n_classes):
        raise ValueError(f"labels must be in 0..{G.cfg.n_classes - 1}, got {y.tolist()}")
    if z is None:
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        z = torch.randn(len(y), G.cfg.z_dim, generator=gen).to(device)  # (N, z_dim)
    return generate(G, z, y)
