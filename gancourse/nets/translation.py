"""Networks for unpaired image-to-image translation (DiscoGAN, CycleGAN). Introduced in lesson 04.

Two generators map between domains, G_AB: A -> B and G_BA: B -> A, and two discriminators
judge each domain, D_A and D_B. ``build_translation(cfg)`` returns them as
``ModuleDict({"AB", "BA"})`` and ``ModuleDict({"A", "B"})`` so that the one trainer sees a
"G" and a "D" as in every other lesson.

* ``"encoder-decoder"``: DiscoGAN's generator, 4x4 stride-2 convolutions down and 4x4
  stride-2 transposed convolutions back up; ``"unet"`` adds a skip from each encoder level
  to the decoder level of the same size (Ronneberger et al.; pix2pix).
* ``"resnet"``: CycleGAN's generator, c7s1 -> 2 down -> residual blocks -> 2 up -> c7s1.
* ``PatchDiscriminator``: a PatchGAN (pix2pix). It outputs a map of logits, one per
  overlapping patch, instead of one number per image.

All three work at 28, 32 and 64 px. Every image size must be divisible by 2**n_down.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .blocks import dcgan_init_


@dataclass
class TranslationConfig:
    generator: str = "resnet"  # "encoder-decoder" (DiscoGAN), "unet", or "resnet" (CycleGAN)
    image_size: int = 28  # 28, 32 or 64
    channels_a: int = 1
    channels_b: int = 1
    width: int = 32  # base channel count: ngf / ndf
    norm: str = "instance"  # "instance" (CycleGAN) or "batch" (DiscoGAN)
    n_res: int = 6  # residual blocks in the ResNet generator
    n_down: int = 0  # stride-2 levels in G and D; 0 picks 2 up to 32 px and 3 at 64 px


GENERATORS = ("encoder-decoder", "unet", "resnet")


def levels(cfg: TranslationConfig) -> int:
    n = cfg.n_down or (3 if cfg.image_size >= 64 else 2)
    if cfg.image_size % 2**n:
        raise ValueError(f"image_size {cfg.image_size} is not divisible by 2**{n}: use 28, 32 or 64 px.")
    return n


def _norm(kind: str, c: int) -> nn.Module:
    if kind == "instance":
        return nn.InstanceNorm2d(c, affine=True)
    if kind == "batch":
        return nn.BatchNorm2d(c)
    raise ValueError(f"norm must be 'instance' or 'batch', got {kind!r}")


class EncoderDecoder(nn.Module):
    """(N, C_in, S, S) -> (N, C_out, S, S) in [-1, 1]; with ``skip=True`` a U-Net (its forward: ``route``)."""

    def __init__(self, c_in: int, c_out: int, cfg: TranslationConfig, skip: bool = False, route=None):
        super().__init__()
        n, w, self.skip = levels(cfg), cfg.width, skip
        self.route = route  # the U-Net's forward (down, up, x) -> y; None: unet_route (lesson 08 passes its own)
        widths = [w * 2**i for i in range(n)]  # e.g. [32, 64, 128]
        self.down = nn.ModuleList()
        for i, c in enumerate(widths):  # level i: (N, c, S/2^(i+1), S/2^(i+1))
            layers = [nn.Conv2d(c_in if i == 0 else widths[i - 1], c, 4, 2, 1, bias=i == 0)]
            if i > 0:  # no normalisation on the first layer (DCGAN guideline)
                layers.append(_norm(cfg.norm, c))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            self.down.append(nn.Sequential(*layers))
        self.up = nn.ModuleList()
        for i in reversed(range(n)):  # back up: (N, widths[i-1], S/2^i, S/2^i)
            c_from = widths[i] * (2 if skip and i < n - 1 else 1)  # U-Net: concat with the encoder's level i
            if i == 0:
                self.up.append(nn.Sequential(nn.ConvTranspose2d(c_from, c_out, 4, 2, 1), nn.Tanh()))
            else:
                self.up.append(
                    nn.Sequential(
                        nn.ConvTranspose2d(c_from, widths[i - 1], 4, 2, 1, bias=False),
                        _norm(cfg.norm, widths[i - 1]),
                        nn.ReLU(inplace=True),
                    )
                )
        dcgan_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.route or unet_route)(self.down, self.up, x) if self.skip else plain_route(self.down, self.up, x)


def plain_route(down: nn.ModuleList, up: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
    """Encoder then decoder, no skips: (N, C_in, S, S) -> (N, C_out, S, S)."""
    for block in [*down, *up]:
        x = block(x)
    return x


def unet_route(down: nn.ModuleList, up: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
    """The U-Net's forward pass: decoder level j takes the encoder's features of the same size beside its own."""
    skips = []
    for block in down:
        x = block(x)  # (N, w·2^i, S/2^(i+1), S/2^(i+1))
        skips.append(x)
    skips.pop()  # the bottleneck feeds the decoder directly
    for j, block in enumerate(up):
        if j > 0:
            x = torch.cat([x, skips.pop()], dim=1)  # (N, 2c, s, s): decoder and encoder features side by side
        x = block(x)  # (N, c', 2s, 2s); the last block gives (N, C_out, S, S)
    return x


class ResBlock(nn.Module):
    """x + conv-norm-relu-conv-norm(x), reflection padded (CycleGAN): (N, C, s, s) -> (N, C, s, s)."""

    def __init__(self, c: int, norm: str):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(c, c, 3, bias=False),
            _norm(norm, c),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(c, c, 3, bias=False),
            _norm(norm, c),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)  # (N, C, s, s)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator: (N, C_in, S, S) -> (N, C_out, S, S) in [-1, 1]."""

    def __init__(self, c_in: int, c_out: int, cfg: TranslationConfig):
        super().__init__()
        if cfg.image_size % 4:
            raise ValueError(f"the ResNet generator needs an image size divisible by 4, got {cfg.image_size}")
        w = cfg.width
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(c_in, w, 7, bias=False),
            _norm(cfg.norm, w),
            nn.ReLU(inplace=True),  # (N, w, S, S)
            nn.Conv2d(w, 2 * w, 3, 2, 1, bias=False),
            _norm(cfg.norm, 2 * w),
            nn.ReLU(inplace=True),  # (N, 2w, S/2, S/2)
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False),
            _norm(cfg.norm, 4 * w),
            nn.ReLU(inplace=True),  # (N, 4w, S/4, S/4)
        ]
        layers += [ResBlock(4 * w, cfg.norm) for _ in range(cfg.n_res)]  # (N, 4w, S/4, S/4)
        layers += [
            nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, output_padding=1, bias=False),  # (N, 2w, S/2, S/2)
            _norm(cfg.norm, 2 * w),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(2 * w, w, 3, 2, 1, output_padding=1, bias=False),  # (N, w, S, S)
            _norm(cfg.norm, w),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(3),
            nn.Conv2d(w, c_out, 7),
            nn.Tanh(),  # (N, C_out, S, S)
        ]
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """PatchGAN: (N, C, S, S) -> logits (N, 1, s, s), one per overlapping patch.

    ``n_down`` stride-2 4x4 convolutions, then two stride-1 4x4 convolutions (each
    shrinks the map by one): 28 px -> 14 -> 7 -> 6 -> 5x5 patches; 64 px -> 6x6.
    """

    def __init__(self, c_in: int, cfg: TranslationConfig):
        super().__init__()
        n, w = levels(cfg), cfg.width
        layers: list[nn.Module] = [nn.Conv2d(c_in, w, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]  # (N, w, S/2, S/2)
        c = w
        for _ in range(n - 1):  # (N, 2c, s/2, s/2)
            layers += [
                nn.Conv2d(c, 2 * c, 4, 2, 1, bias=False),
                _norm(cfg.norm, 2 * c),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            c *= 2
        layers += [
            nn.Conv2d(c, 2 * c, 4, 1, 1, bias=False),
            _norm(cfg.norm, 2 * c),
            nn.LeakyReLU(0.2, inplace=True),  # (N, 2c, s-1, s-1)
            nn.Conv2d(2 * c, 1, 4, 1, 1),
        ]  # (N, 1, s-2, s-2): one logit per patch
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def make_generator(c_in: int, c_out: int, cfg: TranslationConfig) -> nn.Module:
    if cfg.generator == "resnet":
        return ResnetGenerator(c_in, c_out, cfg)
    if cfg.generator in ("encoder-decoder", "unet"):
        return EncoderDecoder(c_in, c_out, cfg, skip=cfg.generator == "unet")
    raise ValueError(f"generator must be one of {', '.join(GENERATORS)}, got {cfg.generator!r}")


def build_translation(cfg: TranslationConfig) -> tuple[nn.ModuleDict, nn.ModuleDict]:
    """``G = {"AB": A->B, "BA": B->A}`` and ``D = {"A": judges A, "B": judges B}``."""
    levels(cfg)
    G = nn.ModuleDict(
        {
            "AB": make_generator(cfg.channels_a, cfg.channels_b, cfg),
            "BA": make_generator(cfg.channels_b, cfg.channels_a, cfg),
        }
    )
    D = nn.ModuleDict({"A": PatchDiscriminator(cfg.channels_a, cfg), "B": PatchDiscriminator(cfg.channels_b, cfg)})
    return G, D
