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


# ------------------------------------------------------------------ lesson 04: translation


def translation_config(method: str, image_size: int, channels_a: int, channels_b: int, **overrides):
    """Lesson 04's networks: DiscoGAN's encoder-decoder with BatchNorm, or CycleGAN's ResNet with InstanceNorm.

    At 28-32 px the course uses width 32 and 3 residual blocks, so a 10-minute CPU run gets
    through a few epochs; CycleGAN's paper model (width 64, 9 blocks at 256 px) is
    ``width=64, n_res=9``.
    """
    from .nets.translation import TranslationConfig

    small = image_size <= 32
    base = TranslationConfig(generator="encoder-decoder" if method == "discogan" else "resnet",
                             image_size=image_size, channels_a=channels_a, channels_b=channels_b,
                             width=32 if small else 64, norm="batch" if method == "discogan" else "instance",
                             n_res=3 if small else 6)
    return replace(base, **overrides)


def translation_trainer(method: str, pair, *, model_config=None, train_config=None, batch_size: int = 32,
                        device="cpu", seed: int = 0, limit: int | None = None, callbacks=(), progress: bool = True):
    """A lesson-01 ``Trainer`` set up for DiscoGAN or CycleGAN on a ``domains.DomainPair``."""
    from .config import GancourseError
    from .domains import UnpairedBatches
    from .train import Trainer
    from .translation import METHODS, LinearDecay, TranslationSteps, cycle_rows
    from .translation import train_config as default_train

    if method not in METHODS:
        raise GancourseError(f"unknown translation method {method!r}: choose discogan or cyclegan.")
    size = pair.a.shape[-1]
    mcfg = model_config or translation_config(method, size, pair.a.shape[1], pair.b.shape[1])
    tcfg = train_config or default_train(method, seed=seed)
    G, D = nets.build_translation(mcfg)
    batches = UnpairedBatches(pair.a, pair.b, batch_size, device, seed=seed, limit=limit)
    steps = TranslationSteps(METHODS[method])
    n = tcfg.n_fixed
    fixed = (pair.a[:n].float() / 127.5 - 1, pair.b[:n].float() / 127.5 - 1)  # the same images in every grid
    return Trainer(G, D, batches, tcfg, d_step=steps.d_step, g_step=steps.g_step, state=steps.state(),
                   fixed_inputs=fixed, sample_fn=cycle_rows, grid_nrow=n, kind=method, model_config=mcfg,
                   callbacks=[LinearDecay(METHODS[method].decay_from), *callbacks], device=device, progress=progress)
