"""How each lesson's model is trained: defaults, losses and step functions, by model kind.

The command line and the benchmarks build runs from here, so a model is trained the same
way everywhere. Introduced in lesson 02; the BigGAN recipe in lesson 05.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from . import nets
from .nets.biggan import orthogonal_penalty, truncated_noise
from .train import TrainConfig, d_step, g_step


def ortho_g_step(G, D, opt_G, z, g_loss, y=None, beta: float = 1e-4) -> dict:
    """Lesson 05's generator step: the adversarial loss plus BigGAN's orthogonal regularisation of G."""
    opt_G.zero_grad(set_to_none=True)
    fake = G(z) if y is None else G(z, y)
    loss = g_loss(D(fake) if y is None else D(fake, y))
    (loss + orthogonal_penalty(G, beta)).backward()
    opt_G.step()
    return {"loss_G": loss.detach()}


@dataclass
class Recipe:
    kind: str
    train: TrainConfig = field(default_factory=TrainConfig)
    batch_size: int = 32
    d_step: object = d_step
    g_step: object = g_step

    @property
    def conditional(self) -> bool:
        return nets.is_conditional(self.kind)


RECIPES = {
    "gan": Recipe("gan", batch_size=64),
    "dcgan": Recipe("dcgan"),
    "cgan": Recipe("cgan"),
    # BigGAN: hinge loss, 2 D steps per G step, TTUR learning rates, Adam(0, 0.999), EMA of G
    "biggan": Recipe("biggan", TrainConfig(loss="hinge", d_steps=2, lr_g=1e-4, lr_d=4e-4, beta1=0.0, ema_decay=0.999),
                     g_step=ortho_g_step),
}


def recipe(kind: str, **overrides) -> Recipe:
    r = RECIPES[kind]
    return replace(r, train=replace(r.train, **overrides)) if overrides else r


def ema_generator_state(ckpt: dict) -> dict | None:
    """G's EMA weights from a checkpoint (AveragedModel keeps them under 'module.'), or None."""
    ema = ckpt.get("ema")
    if not ema:
        return None
    return {k.removeprefix("module."): v for k, v in ema.items() if k.startswith("module.")}


def sample_noise(n: int, z_dim: int, truncation: float | None = None, seed: int | None = None) -> torch.Tensor:
    """(n, z_dim) noise; with ``truncation``, a truncated normal (BigGAN's truncation trick)."""
    g = torch.Generator().manual_seed(seed) if seed is not None else None
    return truncated_noise(n, z_dim, truncation, g)
