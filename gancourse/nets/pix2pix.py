"""pix2pix's networks (Isola et al., 2017): a U-Net generator and a PatchGAN that sees the input. Lesson 08.

* ``G``: lesson 04's encoder-decoder with **skips**: decoder level j takes the encoder's features of the
  same size beside its own (``route``, the forward pass, is the student's in lesson 08).
* ``D(a, b)``: a PatchGAN on the input and the output side by side (channels concatenated), so it judges
  whether ``b`` is a plausible translation *of* ``a``, patch by patch; its logits map is (N, 1, s, s).

A PatchGAN's **receptive field** is the input square one output logit sees. For convolutions with kernel
k_l and stride s_l, walking back from one output pixel: r <- (r - 1)·s_l + k_l, starting at r = 1. The
paper's D (4x4 convolutions with strides 2, 2, 2, 1, 1) gives 70 px on 256 px images; at 32 px one
stride-2 level gives 16 px (14x14 overlapping patches), two 34 px and three 70 px, more than the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .translation import EncoderDecoder, PatchDiscriminator, TranslationConfig


@dataclass
class Pix2PixConfig:
    image_size: int = 32  # 28 px images are padded to 32 (three U-Net levels: 32 -> 16 -> 8 -> 4)
    channels_a: int = 1
    channels_b: int = 1
    width: int = 32  # ngf = ndf
    g_levels: int = 3  # stride-2 levels of the U-Net
    d_levels: int = 1  # stride-2 levels of the PatchGAN: its receptive field (16 px at one level)
    norm: str = "batch"  # pix2pix: BatchNorm (InstanceNorm at batch size 1)
    skips: bool = True  # False: the encoder-decoder without skips (the paper's Figure 3 ablation)


def _translation_config(cfg: Pix2PixConfig, levels: int) -> TranslationConfig:
    return TranslationConfig("unet", cfg.image_size, cfg.channels_a, cfg.channels_b, cfg.width, cfg.norm, 0, levels)


class ConditionalPatchDiscriminator(nn.Module):
    """D(a, b): (N, C_A, S, S), (N, C_B, S, S) -> patch logits (N, 1, s, s), from a and b side by side."""

    def __init__(self, cfg: Pix2PixConfig):
        super().__init__()
        self.patches = PatchDiscriminator(cfg.channels_a + cfg.channels_b, _translation_config(cfg, cfg.d_levels))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.patches(torch.cat([a, b], dim=1))  # (N, C_A + C_B, S, S) -> (N, 1, s, s)


def unet_generator(cfg: Pix2PixConfig, route=None) -> EncoderDecoder:
    """A -> B, (N, C_A, S, S) -> (N, C_B, S, S) in [-1, 1]; ``route``: the forward pass with skips."""
    return EncoderDecoder(cfg.channels_a, cfg.channels_b, _translation_config(cfg, cfg.g_levels), cfg.skips, route)


def build_pix2pix(cfg: Pix2PixConfig, route=None, discriminator: type | None = None) -> tuple[nn.Module, nn.Module]:
    """``(G, D)``; lesson 08 passes the student's ``route`` and discriminator class."""
    return unet_generator(cfg, route), (discriminator or ConditionalPatchDiscriminator)(cfg)


def receptive_field(convs: list[tuple[int, int]]) -> int:
    """The side of the input square one output pixel sees, for convolutions ``[(kernel, stride), ...]`` in order."""
    r = 1
    for k, s in reversed(convs):
        r = (r - 1) * s + k
    return r


def conv_geometry(net: nn.Module) -> list[tuple[int, int]]:
    """``(kernel, stride)`` of every convolution of ``net`` in the order they run (a plain stack of them)."""
    return [(m.kernel_size[0], m.stride[0]) for m in net.modules() if isinstance(m, nn.Conv2d)]
