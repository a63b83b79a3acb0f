"""Tiny MLPs for lesson 01's 2-D toy: noise -> a point on the plane, and a point -> one logit.

G has no output activation: the ring's points lie at radius 2, outside tanh's (-1, 1). Without a
nonlinearity between its layers G would be affine, and an affine map of Gaussian noise is one
Gaussian: it could never make 8 separate modes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class PlaneConfig:
    z_dim: int = 2
    hidden: int = 128
    leak: float = 0.2


class PlaneGenerator(nn.Module):
    """z (N, z_dim) -> points (N, 2)."""

    def __init__(self, cfg: PlaneConfig = PlaneConfig()):
        super().__init__()
        self.cfg, self.z_dim, h = cfg, cfg.z_dim, cfg.hidden
        self.net = nn.Sequential(
            nn.Linear(cfg.z_dim, h),
            nn.ReLU(),  # (N, h)
            nn.Linear(h, h),
            nn.ReLU(),  # (N, h)
            nn.Linear(h, 2),  # (N, 2), unbounded
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (N, 2)


class PlaneDiscriminator(nn.Module):
    """points (N, 2) -> logits (N,)."""

    def __init__(self, cfg: PlaneConfig = PlaneConfig()):
        super().__init__()
        self.cfg, h = cfg, cfg.hidden
        self.net = nn.Sequential(
            nn.Linear(2, h),
            nn.LeakyReLU(cfg.leak),  # (N, h)
            nn.Linear(h, h),
            nn.LeakyReLU(cfg.leak),  # (N, h)
            nn.Linear(h, 1),  # (N, 1) logit
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (N,)
