"""DCGAN (Radford, Metz & Chintala, 2015). Introduced in lesson 02.

The guidelines: strided convolutions instead of pooling in D, transposed convolutions in G;
BatchNorm everywhere except G's output and D's input; ReLU in G with a tanh output,
LeakyReLU(0.2) in D; weights ~ N(0, 0.02).

``img_size=28`` is the TensorFlow DCGAN tutorial's model:
G: z -> Dense 7·7·256 -> ConvT 5x5 to 128 (stride 1), 64 (stride 2), C (stride 2);
D: Conv 5x5 stride 2 to 64 and 128 with Dropout 0.3, then Dense to 1.
``img_size=64`` is the classic 64x64 DCGAN (4x4 kernels) for colour images and folders.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .blocks import dcgan_init_, down_block, up_block


@dataclass
class DCGANConfig:
    z_dim: int = 100
    img_size: int = 28  # 28 (MNIST-like) or 64 (folders, colour)
    channels: int = 1
    width: int = 64  # base channel count: ngf / ndf
    dropout: float = 0.3  # in D, as in the TensorFlow tutorial (28 px)
    n_classes: int = 0  # > 0 only for the conditional variants (lesson 03)
    batchnorm_d: bool = True  # False for a Wasserstein critic (lesson 06): the penalty needs per-sample gradients


IMAGE_SIZES = (28, 64)  # the sides this DCGAN is built for (the TF tutorial's 28, the classic 64)


def check_image_size(side: int, name: str = "DCGAN") -> None:
    """The one place that says which image sides a DCGAN-family network takes."""
    if side not in IMAGE_SIZES:
        raise ValueError(f"{name} works on 28x28 or 64x64 images, not {side}x{side}")


def _check(cfg: DCGANConfig) -> None:
    check_image_size(cfg.img_size)


class DCGANGenerator(nn.Module):
    """z (N, z_dim) -> images (N, C, S, S) in [-1, 1]."""

    def __init__(self, cfg: DCGANConfig = DCGANConfig(), in_dim: int | None = None):
        super().__init__()
        _check(cfg)
        self.cfg = cfg
        w, in_dim = cfg.width, in_dim or cfg.z_dim
        self.z_dim = in_dim  # the size of the input vector: every generator names its noise size z_dim
        if cfg.img_size == 28:
            self.project = nn.Sequential(
                nn.Linear(in_dim, 7 * 7 * 4 * w, bias=False),  # (N, 7·7·256)
                nn.BatchNorm1d(7 * 7 * 4 * w),
                nn.ReLU(inplace=True),
                nn.Unflatten(1, (4 * w, 7, 7)),  # (N, 256, 7, 7)
            )
            self.body = nn.Sequential(
                up_block(4 * w, 2 * w, stride=1),  # (N, 128, 7, 7)
                up_block(2 * w, w),  # (N, 64, 14, 14)
                nn.ConvTranspose2d(w, cfg.channels, 5, 2, 2, output_padding=1),  # (N, C, 28, 28)
                nn.Tanh(),
            )
        else:
            self.project = nn.Sequential(
                nn.Unflatten(1, (in_dim, 1, 1)),  # (N, z, 1, 1)
                nn.ConvTranspose2d(in_dim, 8 * w, 4, 1, 0, bias=False),  # (N, 512, 4, 4)
                nn.BatchNorm2d(8 * w),
                nn.ReLU(inplace=True),
            )
            self.body = nn.Sequential(
                *(
                    nn.Sequential(
                        nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)
                    )
                    for c in (8 * w, 4 * w, 2 * w)
                ),  # (N, 256, 8, 8) -> (N, 128, 16, 16) -> (N, 64, 32, 32)
                nn.ConvTranspose2d(w, cfg.channels, 4, 2, 1),  # (N, C, 64, 64)
                nn.Tanh(),
            )
        dcgan_init_(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(z))  # (N, C, S, S)


class DCGANDiscriminator(nn.Module):
    """images (N, C, S, S) -> logits (N,). ``features`` gives the penultimate (N, F) vector."""

    def __init__(self, cfg: DCGANConfig = DCGANConfig(), in_channels: int | None = None):
        super().__init__()
        _check(cfg)
        self.cfg = cfg
        w, c = cfg.width, in_channels or cfg.channels
        if cfg.img_size == 28:
            self.body = nn.Sequential(
                down_block(c, w, bn=False, dropout=cfg.dropout),  # (N, 64, 14, 14): no BN on D's input
                down_block(w, 2 * w, bn=cfg.batchnorm_d, dropout=cfg.dropout),  # (N, 128, 7, 7)
                nn.Flatten(),  # (N, 128·7·7)
            )
            self.feature_dim = 2 * w * 7 * 7
        else:
            self.body = nn.Sequential(
                down_block(c, w, kernel=4, bn=False),  # (N, 64, 32, 32)
                down_block(w, 2 * w, kernel=4, bn=cfg.batchnorm_d),  # (N, 128, 16, 16)
                down_block(2 * w, 4 * w, kernel=4, bn=cfg.batchnorm_d),  # (N, 256, 8, 8)
                down_block(4 * w, 8 * w, kernel=4, bn=cfg.batchnorm_d),  # (N, 512, 4, 4)
                nn.Flatten(),  # (N, 512·4·4)
            )
            self.feature_dim = 8 * w * 4 * 4
        self.head = nn.Linear(self.feature_dim, 1)  # (N, 1)
        dcgan_init_(self)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # (N, F)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)  # (N,)
