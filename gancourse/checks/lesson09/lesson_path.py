"""Hidden check for lesson 09: the student's StyleGAN pieces train and sample as the lesson's cells do.

The training cell builds ``StyleGenerator`` with the student's mapping network, AdaIN, noise input, style
mixing and truncation, trains it two steps against lesson 02's discriminator with the ``stylegan`` recipe (style
mixing on every batch, the EMA of G's weights), then samples the average in eval mode with truncation in W, as the
lesson's grids and psi sweep do.
"""

from __future__ import annotations

import math

import torch

from ..protocol import check
from ..training import path_verdict, random_images, run_path, two_step_trainer, worst_loss


def _probe(seed, MappingNetwork, AdaIN, NoiseInjection, mix_styles, truncate_w):
    from ... import nets, registry
    from ...data import Batches

    def build():
        torch.manual_seed(seed)
        cfg = nets.StyleGANConfig(width=16, mixing=1.0)
        G = nets.StyleGenerator(cfg, MappingNetwork, AdaIN, NoiseInjection, mix_styles, truncate_w)
        D = nets.DCGANDiscriminator(nets.DCGANConfig(width=16))
        how = registry.get("stylegan")
        images, _ = random_images(seed)
        trainer = two_step_trainer(G, D, Batches(images, batch_size=8, seed=seed), how.steps(cfg, how.train), how.train)
        worst = worst_loss(trainer.fit())
        with torch.no_grad():  # the lesson samples the EMA of G's weights
            sample = trainer.sampler().eval()(torch.randn(4, cfg.z_dim), psi=0.5)  # (4, 1, 28, 28)
        if tuple(sample.shape) != (4, 1, 28, 28):
            raise ValueError(f"a truncated sample has shape {tuple(sample.shape)}, not (4, 1, 28, 28)")
        return worst if bool(torch.isfinite(sample).all()) else math.inf

    return run_path(build)


@check(_probe)
def hidden_lesson09_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "StyleGAN training and sampling cells")


TRAINS = (
    "hidden: trains as the lesson does",
    "hidden_lesson09_trains",
    ("MappingNetwork", "AdaIN", "NoiseInjection", "mix_styles", "truncate_w"),
)
