"""A template for a new model kind: copy it to ``gancourse/nets/<name>.py``, rename, fill in.

Adding a model to gancourse is this one network file plus one ``register`` call (the end of
``gancourse/registry.py``, or anywhere before the CLI is built). The trainer, the steps, the
checkpoints, the grids, ``gancourse train NAME`` and ``gancourse sample`` then work unchanged.
``tests/test_architecture.py`` trains this template through the command line, so it stays true.

The rules the course's networks follow:

* a typed config dataclass, stored in every checkpoint (``asdict``): the file alone rebuilds G and D;
* networks read only their config: no globals, no argparse, no training code;
* every generator has ``z_dim`` (its noise size); D returns one logit per sample, shape (N,);
* a shape comment on every layer and reshape.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class TemplateConfig:
    z_dim: int = 64
    img_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W)
    hidden: int = 256


class TemplateGenerator(nn.Module):
    """z (N, z_dim) -> images (N, C, H, W) in [-1, 1]."""

    def __init__(self, cfg: TemplateConfig = TemplateConfig()):
        super().__init__()
        self.cfg, self.z_dim = cfg, cfg.z_dim
        c, h, w = cfg.img_shape
        self.net = nn.Sequential(
            nn.Linear(cfg.z_dim, cfg.hidden),  # (N, hidden)
            nn.ReLU(),
            nn.Linear(cfg.hidden, c * h * w),  # (N, C·H·W)
            nn.Tanh(),
            nn.Unflatten(1, (c, h, w)),  # (N, C, H, W)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (N, C, H, W)


class TemplateDiscriminator(nn.Module):
    """images (N, C, H, W) -> logits (N,)."""

    def __init__(self, cfg: TemplateConfig = TemplateConfig()):
        super().__init__()
        self.cfg = cfg
        c, h, w = cfg.img_shape
        self.net = nn.Sequential(
            nn.Flatten(),  # (N, C·H·W)
            nn.Linear(c * h * w, cfg.hidden),  # (N, hidden)
            nn.LeakyReLU(0.2),
            nn.Linear(cfg.hidden, 1),  # (N, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (N,)


def register_template(name: str = "template"):
    """The registry entry: how the kind is built, which config it takes for the data, how it trains."""
    from gancourse import registry
    from gancourse.train import TrainConfig

    return registry.register(
        registry.ModelKind(
            name,
            TemplateConfig,
            lambda cfg: (TemplateGenerator(cfg), TemplateDiscriminator(cfg)),
            make_config=lambda data, options: TemplateConfig(img_shape=tuple(data.images.shape[1:])),
            train=TrainConfig(lr_g=2e-4, lr_d=2e-4),  # the recipe; loss, d_steps, EMA... live here too
            batch_size=64,
        )
    )
