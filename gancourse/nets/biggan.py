"""A small BigGAN (Brock, Donahue & Simonyan, 2018) for 28 or 32 px. Introduced in lesson 05.

What it keeps from BigGAN:

* a shared class embedding and hierarchical z ("skip-z"): z is split into chunks; chunk 0
  seeds the first feature map, chunk i joins the shared embedding as the condition of block i;
* class-conditional BatchNorm: BN(h) * (1 + gamma(c)) + beta(c), gamma and beta linear in c;
* residual up-blocks in G and down-blocks in D, spectral norm on every weight of both;
* one self-attention block (SAGAN) at the middle resolution;
* a projection discriminator: D(x, y) = psi(phi(x)) + <e_y, phi(x)>;
* orthogonal regularisation, the hinge loss, an EMA generator and the truncation trick
  (the first two live in ``losses``, the EMA in the trainer, and :func:`truncated_noise` below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .resampling import conv3x3_avgpool, upsample_conv3x3


@dataclass
class BigGANConfig:
    z_dim: int = 96  # split into len(up-blocks) + 1 equal chunks
    n_classes: int = 10
    img_size: int = 28  # 28 (7 -> 14 -> 28) or 32 (4 -> 8 -> 16 -> 32)
    channels: int = 1
    width: int = 32  # base channel count (BigGAN's is far larger; 32 keeps a CPU step under a second)
    shared_dim: int = 32  # the shared class embedding
    attention: bool = True


def _plan(cfg: BigGANConfig) -> tuple[int, int]:
    """(first feature-map size, number of up-blocks)."""
    plans = {28: (7, 2), 32: (4, 3)}
    if cfg.img_size not in plans:
        raise ValueError(f"BigGAN img_size must be 28 or 32, got {cfg.img_size}")
    return plans[cfg.img_size]


def sn_conv(c_in: int, c_out: int, k: int = 3) -> nn.Module:
    return spectral_norm(nn.Conv2d(c_in, c_out, k, padding=k // 2))


def sn_linear(d_in: int, d_out: int, bias: bool = True) -> nn.Module:
    return spectral_norm(nn.Linear(d_in, d_out, bias=bias))


class ConditionalBatchNorm2d(nn.Module):
    """BN without its own affine, then per-sample scale and shift from the condition c (N, cond_dim):
    out = BN(h) * (1 + gamma(c)) + beta(c)."""

    def __init__(self, channels: int, cond_dim: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gain = sn_linear(cond_dim, channels, bias=False)  # gamma(c): (N, C)
        self.bias = sn_linear(cond_dim, channels, bias=False)  # beta(c): (N, C)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        gamma = 1 + self.gain(c)[:, :, None, None]  # (N, C, 1, 1)
        beta = self.bias(c)[:, :, None, None]  # (N, C, 1, 1)
        return self.bn(h) * gamma + beta  # (N, C, H, W)


class SelfAttention(nn.Module):
    """SAGAN attention: every position attends to every (2x2-pooled) position; gamma starts at 0."""

    def __init__(self, ch: int):
        super().__init__()
        self.theta, self.phi = sn_conv(ch, ch // 8, 1), sn_conv(ch, ch // 8, 1)
        self.g, self.out = sn_conv(ch, ch // 2, 1), sn_conv(ch // 2, ch, 1)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        theta = self.theta(x).flatten(2)  # (N, C/8, HW)
        phi = F.max_pool2d(self.phi(x), 2).flatten(2)  # (N, C/8, HW/4)
        g = F.max_pool2d(self.g(x), 2).flatten(2)  # (N, C/2, HW/4)
        attn = torch.softmax(theta.transpose(1, 2) @ phi, dim=-1)  # (N, HW, HW/4)
        o = (g @ attn.transpose(1, 2)).view(n, c // 2, h, w)  # (N, C/2, H, W)
        return x + self.gamma * self.out(o)  # (N, C, H, W)


class GBlock(nn.Module):
    """Residual up-block: CBN-ReLU-up-conv-CBN-ReLU-conv, plus up-conv1x1 on the skip path. H -> 2H.
    "up-conv" runs as one transposed convolution (``resampling.py``: the same function, fewer operations).

    ``cbn(channels, cond_dim)`` builds the conditional BatchNorm layers (lesson 05 passes the student's).
    """

    def __init__(self, c_in: int, c_out: int, cond_dim: int, cbn: type = ConditionalBatchNorm2d):
        super().__init__()
        self.bn1, self.bn2 = cbn(c_in, cond_dim), cbn(c_out, cond_dim)
        self.conv1, self.conv2, self.skip = sn_conv(c_in, c_out), sn_conv(c_out, c_out), sn_conv(c_in, c_out, 1)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = upsample_conv3x3(F.relu(self.bn1(x, c)), self.conv1)  # conv1(up(.)) folded: (N, c_out, 2H, 2W)
        h = self.conv2(F.relu(self.bn2(h, c)))  # (N, c_out, 2H, 2W)
        return h + F.interpolate(self.skip(x), scale_factor=2)  # skip(up(x)) = up(skip(x)): (N, c_out, 2H, 2W)


class BigGANGenerator(nn.Module):
    """(z (N, z_dim), y (N,)) -> images (N, C, S, S) in [-1, 1]. ``cbn``: the conditional BatchNorm class."""

    def __init__(self, cfg: BigGANConfig = BigGANConfig(), cbn: type = ConditionalBatchNorm2d):
        super().__init__()
        self.cfg = cfg
        self.z_dim = cfg.z_dim  # the noise size, as on every generator
        self.start, n_up = _plan(cfg)
        if cfg.z_dim % (n_up + 1):
            raise ValueError(f"z_dim {cfg.z_dim} must split evenly into {n_up + 1} chunks")
        self.chunk = cfg.z_dim // (n_up + 1)
        chans = [cfg.width * 4 // 2**i for i in range(n_up + 1)]  # e.g. 256, 128, 64
        cond_dim = cfg.shared_dim + self.chunk
        self.shared = nn.Embedding(cfg.n_classes, cfg.shared_dim)  # (N, shared_dim)
        self.linear = sn_linear(self.chunk, chans[0] * self.start**2)  # (N, C0·s·s)
        self.blocks = nn.ModuleList(GBlock(chans[i], chans[i + 1], cond_dim, cbn) for i in range(n_up))
        self.attn_after = 0 if cfg.attention else -1  # attention after the first up-block (14 or 8 px)
        self.attn = SelfAttention(chans[1]) if cfg.attention else None
        self.out = nn.Sequential(nn.BatchNorm2d(chans[-1]), nn.ReLU(), sn_conv(chans[-1], cfg.channels), nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        chunks = z.split(self.chunk, dim=1)  # n_up + 1 chunks of (N, chunk)
        shared = self.shared(y)  # (N, shared_dim)
        h = self.linear(chunks[0]).view(len(z), -1, self.start, self.start)  # (N, C0, s, s)
        for i, block in enumerate(self.blocks):
            h = block(h, torch.cat([shared, chunks[i + 1]], dim=1))  # (N, C_{i+1}, 2^(i+1)·s, ...)
            if i == self.attn_after:
                h = self.attn(h)
        return self.out(h)  # (N, C, S, S)


class DBlock(nn.Module):
    """Residual down-block: [ReLU]-conv-ReLU-conv-avgpool, plus conv1x1-avgpool on the skip path. H -> H/2.
    "conv-avgpool" runs as one stride-2 convolution (``resampling.py``: the same function, fewer operations)."""

    def __init__(self, c_in: int, c_out: int, first: bool = False, down: bool = True):
        super().__init__()
        self.first, self.down = first, down
        self.conv1, self.conv2, self.skip = sn_conv(c_in, c_out), sn_conv(c_out, c_out), sn_conv(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else F.relu(x)  # no ReLU on the image itself
        h = F.relu(self.conv1(h))  # (N, c_out, H, W)
        if not self.down:
            return self.conv2(h) + self.skip(x)  # (N, c_out, H, W)
        # pool(conv2(h)) folded into one stride-2 convolution;
        # pool(skip(x)) = skip(pool(x)), a 1x1 conv on 1/4 of the pixels
        return conv3x3_avgpool(h, self.conv2) + self.skip(F.avg_pool2d(x, 2))  # (N, c_out, H/2, W/2)


def projection_logits(phi: torch.Tensor, y: torch.Tensor, psi: nn.Module, embed: nn.Module) -> torch.Tensor:
    """The projection discriminator's output psi(phi(x)) + <e_y, phi(x)>: (N, F), (N,) -> logits (N,)."""
    return psi(phi).squeeze(1) + (embed(y) * phi).sum(dim=1)  # (N,)


class BigGANDiscriminator(nn.Module):
    """(x (N, C, S, S), y (N,)) -> psi(phi(x)) + <e_y, phi(x)>, logits (N,).

    ``projection(phi, y, psi, embed)`` computes the output head (lesson 05 passes the student's).
    """

    def __init__(self, cfg: BigGANConfig = BigGANConfig(), projection: Callable[..., torch.Tensor] = projection_logits):
        super().__init__()
        self.cfg = cfg
        self.projection = projection
        _, n_up = _plan(cfg)
        w = cfg.width
        chans = [w * 2**i for i in range(n_up + 1)]  # e.g. 64, 128, 256
        self.blocks = nn.ModuleList([DBlock(cfg.channels, chans[0], first=True)])  # (N, 64, S/2, S/2)
        self.attn = SelfAttention(chans[0]) if cfg.attention else nn.Identity()
        self.blocks.extend(DBlock(chans[i], chans[i + 1], down=i < n_up - 1) for i in range(n_up))
        self.feature_dim = chans[-1]
        self.psi = sn_linear(self.feature_dim, 1)  # (N, 1)
        self.embed = spectral_norm(nn.Embedding(cfg.n_classes, self.feature_dim))  # e_y: (n_classes, F)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.attn(self.blocks[0](x))  # (N, 64, S/2, S/2)
        for block in self.blocks[1:]:
            h = block(h)
        return F.relu(h).sum(dim=(2, 3))  # global sum pooling: (N, F)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.projection(self.features(x), y, self.psi, self.embed)  # (N, F) -> (N,)


def truncated_noise(
    n: int, dim: int, threshold: float | None = None, generator: torch.Generator | None = None
) -> torch.Tensor:
    """z ~ N(0, I) with every entry outside [-threshold, threshold] redrawn until it falls inside.

    Redrawing (not rescaling) gives a truncated normal: lower threshold = higher fidelity, less variety.
    """
    z = torch.randn(n, dim, generator=generator)  # (n, dim)
    if threshold is None:
        return z
    if threshold <= 0:
        raise ValueError(f"truncation threshold must be positive, got {threshold}")
    out = z.abs() > threshold
    while out.any():
        z[out] = torch.randn(int(out.sum()), generator=generator)
        out = z.abs() > threshold
    return z
