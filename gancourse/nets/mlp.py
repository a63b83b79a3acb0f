"""The original fully connected GAN (Goodfellow et al., 2014). Introduced in lesson 01.

Generator: z -> Linear/BatchNorm/ReLU x3 -> Linear -> tanh, reshaped to an image in [-1, 1].
Discriminator: image -> flatten -> Linear/LeakyReLU x2 -> Linear -> one logit per image.

D returns a *logit* s, not a probability: D(x) = sigmoid(s). The losses use
``binary_cross_entropy_with_logits``, which fuses the sigmoid and the log and stays
finite where sigmoid(s) rounds to 0 or 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class MLPConfig:
    z_dim: int = 100
    img_shape: tuple[int, int, int] = (1, 28, 28)
    g_hidden: tuple[int, ...] = (256, 512, 1024)
    d_hidden: tuple[int, ...] = (512, 256)
    bn_momentum: float = 0.2  # Keras' momentum=0.8 in the seed material is PyTorch's 0.2
    leak: float = 0.2


class MLPGenerator(nn.Module):
    """z (N, z_dim) -> images (N, C, H, W) in [-1, 1]."""

    def __init__(self, cfg: MLPConfig = MLPConfig()):
        super().__init__()
        self.cfg = cfg
        self.z_dim = cfg.z_dim  # the noise size, as on every generator
        layers: list[nn.Module] = []
        width = cfg.z_dim
        for h in cfg.g_hidden:
            layers += [
                nn.Linear(width, h),  # (N, h)
                nn.BatchNorm1d(h, momentum=cfg.bn_momentum),  # (N, h)
                nn.ReLU(inplace=True),  # (N, h)
            ]
            width = h
        layers += [nn.Linear(width, math.prod(cfg.img_shape)), nn.Tanh()]  # (N, C*H*W) in [-1, 1]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.net(z)  # (N, C*H*W)
        return x.view(-1, *self.cfg.img_shape)  # (N, C, H, W)


class MLPDiscriminator(nn.Module):
    """images (N, C, H, W) -> logits (N,)."""

    def __init__(self, cfg: MLPConfig = MLPConfig()):
        super().__init__()
        self.cfg = cfg
        layers: list[nn.Module] = [nn.Flatten()]  # (N, C*H*W)
        width = math.prod(cfg.img_shape)
        for h in cfg.d_hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(cfg.leak, inplace=True)]  # (N, h)
            width = h
        layers += [nn.Linear(width, 1)]  # (N, 1) logit
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (N,)
