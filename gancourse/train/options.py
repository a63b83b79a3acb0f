"""The trainer's typed config (stored in every checkpoint) and the optimizers it builds from it."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..speed import resolve_fused_adam


@dataclass
class TrainConfig:
    epochs: int = 30
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5  # Radford et al.: 0.9 makes GAN training oscillate
    beta2: float = 0.999
    loss: str = "bce"  # a name from losses.LOSSES: what the registry builds the steps with
    d_steps: int = 1  # discriminator updates per generator update
    ema_decay: float = 0.0  # > 0 keeps an exponential moving average of G's weights
    log_every: int = 20  # steps between host syncs (history rows, NaN checks, progress bar)
    n_fixed: int = 64  # size of the fixed input batch used for every sample grid
    seed: int = 0
    update: str = "alternating"  # or "simultaneous": both gradients before either update (a different algorithm)
    augment: str = ""  # DiffAugment policy before D, e.g. "color,translation,cutout" (augment.py); "": none
    # speed: the same maths computed faster, chosen for this machine unless set (gancourse.speed)
    precision: str = "fp32"  # or "bf16": autocast where the hardware has bf16 natively (changes the numbers)
    fused_adam: bool | None = None  # None: Adam's fused kernel where this torch has one for the device
    conv: str = "auto"  # each convolution's algorithm: timed per layer ("auto"), or "torch", "phase", "dft"
    channels_last: bool | None = None  # NHWC layout for 4-D activations; None: timed per network


def make_optimizers(
    G: nn.Module, D: nn.Module, cfg: TrainConfig, device: torch.device | None = None
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for each network with the DCGAN betas (0.5, 0.999); ``fused_adam`` picks the fused kernel."""
    betas = (cfg.beta1, cfg.beta2)
    device = device or next(G.parameters()).device
    extra = {"fused": True} if resolve_fused_adam(cfg.fused_adam, device) else {}
    return (
        torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=betas, **extra),
        torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=betas, **extra),
    )
