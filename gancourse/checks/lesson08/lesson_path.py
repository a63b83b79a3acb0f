"""Hidden check for lesson 08: the student's pieces train pix2pix as the lesson's training cell does.

The cell builds G with the student's ``unet_route``, D from the student's ``ConditionalPatchD`` class, and
trains both on paired batches with the student's objective through ``Pix2PixSteps``: with both terms and in
the two ablations (L1 only, cGAN only). Two steps each on random 32 px pairs, on the lesson's own config.
"""

from __future__ import annotations

import torch

from ..protocol import check
from ..training import path_verdict, random_images, run_path, train_two_steps


def _probe(seed, unet_route, ConditionalPatchD, pix2pix_g_loss):
    from ...data.paired import PairedBatches, pad_to
    from ...nets.pix2pix import Pix2PixConfig, unet_generator
    from ...translation.pix2pix import Pix2PixSteps

    def build():
        images, _ = random_images(seed)
        a, b = pad_to(images, 32), pad_to(images.flip(-1), 32)  # (16, 1, 32, 32) each: a pair per index
        worst = 0.0
        for adv, lam in ((1.0, 100.0), (0.0, 100.0), (1.0, 0.0)):
            torch.manual_seed(seed)
            cfg = Pix2PixConfig()
            G, D = unet_generator(cfg, unet_route), ConditionalPatchD(cfg)
            steps = Pix2PixSteps((a[:4], b[:4]), g_loss=pix2pix_g_loss, lam=lam, adv=adv)
            batches = PairedBatches(a, b, batch_size=8, seed=seed)
            worst = max(worst, train_two_steps(G, D, batches, steps, lr_g=2e-4, lr_d=2e-4, beta1=0.5))
        return worst

    return run_path(build)


@check(_probe)
def hidden_lesson08_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "pix2pix training cell (both terms and the two ablations)")


TRAINS = (
    "hidden: trains as the lesson does",
    "hidden_lesson08_trains",
    ("unet_route", "ConditionalPatchD", "pix2pix_g_loss"),
)
