"""Hidden checks, one per lesson: the student's pieces train a few steps down the lesson's own library path.

A probe of one piece can pass while the notebook's training cell, which puts the pieces together
with the library (``Trainer``, ``GANSteps``, ``translation_trainer``, a checkpoint and its resume),
crashes. Each check here builds what the lesson's build cell builds from the student's objects,
on the lesson's own networks (its classes and configs; only the data are a few random images),
and trains two steps as the training cell does. The grade then agrees with the notebook: pieces
whose training cell would stop cannot get full marks. A training cell that would hang is stopped
by the grader's time limit per check and fails the same way.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import replace
from functools import partial
from pathlib import Path

import torch

from .common import OK, fail
from .protocol import check

_FAST = {"conv": "torch", "channels_last": False, "fused_adam": False}  # no timing runs inside a check


def random_images(seed: int, n: int = 16, channels: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, channels, 28, 28), dtype=torch.uint8, generator=g), torch.arange(n) % 10


def worst_loss(history: list[dict]) -> float:
    """The largest |loss| a training history logged; infinite if any loss is not finite (``max`` keeps an
    infinity wherever it stands, a NaN only when it comes first)."""
    values = [float(v) for row in history for k, v in row.items() if k.startswith("loss")]
    return max((abs(v) if math.isfinite(v) else math.inf for v in values), default=0.0)


def two_step_trainer(G, D, batches, steps, recipe=None, **cfg):
    """A trainer for two steps the way the lessons train: by ``recipe`` (a kind's ``TrainConfig``: its optimiser
    settings, loss, EMA) where the lesson trains by one, else by the defaults."""
    from ..train import TrainConfig, Trainer

    options = {"epochs": 1, "log_every": 1, **_FAST, **cfg}
    return Trainer(G, D, batches, steps, replace(recipe or TrainConfig(), **options), device="cpu", progress=False)


def train_two_steps(G, D, batches, steps, **cfg) -> float:
    """Fit two steps the way the lessons do; the worst loss logged."""
    return worst_loss(two_step_trainer(G, D, batches, steps, **cfg).fit())


def run_path(build) -> dict:
    """The report: how far the lesson's path got (the worst loss ``build`` returns, or its own dict of values),
    and the error line where it stopped."""
    try:
        result = build()
    except Exception as e:  # noqa: BLE001 - student code inside the library: any error is the finding
        return {"error": f"{type(e).__name__}: {e}".splitlines()[0][:300]}
    return {"error": None, **(result if isinstance(result, dict) else {"worst_loss": result})}


def path_verdict(r: dict, cell: str) -> str:
    if r.get("error"):
        fail(
            f"with your pieces, the lesson's {cell} stopped: {r['error']}\n"
            "Hint: each piece passed on its own; the training cell combines them with the library: run it and read "
            "which of your pieces the error's last lines name (an output shape, a return value, a device)."
        )
    if not math.isfinite(r["worst_loss"]):
        fail(
            f"the lesson's {cell} runs with your pieces, but a loss is not finite after two steps.\n"
            "Hint: look for a log of 0, a division by a zero norm or an exploding initialisation."
        )
    return f"{OK} hidden: your pieces train down the lesson's own path."


def _probe_01(seed, ToyGenerator, ToyDiscriminator, Generator, Discriminator, Z_DIM, d_loss, g_loss, d_step, g_step):
    from .. import losses
    from ..data import Batches, PointBatches, ring
    from ..train import GANSteps

    def build():
        torch.manual_seed(seed)
        G = ToyGenerator()  # the toy film's path (train_toy), then the MNIST run's
        toy = GANSteps(G.z_dim, losses.GANLoss(d_loss, g_loss), d_step=d_step, g_step=g_step)
        worst = train_two_steps(G, ToyDiscriminator(), PointBatches(ring(), batch_size=32, steps=2, seed=seed), toy)
        images, _ = random_images(seed)
        mnist = GANSteps(Z_DIM, losses.GANLoss(d_loss, g_loss), d_step=d_step, g_step=g_step)
        return max(
            worst, train_two_steps(Generator(), Discriminator(), Batches(images, batch_size=8, seed=seed), mnist)
        )

    return run_path(build)


@check(_probe_01)
def hidden_lesson01_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "toy film and MNIST training cells")


def _probe_02(seed, Generator, Discriminator, dcgan_init):
    from ..data import Batches
    from ..train import Checkpoint, GANSteps, TrainConfig, Trainer, latest_checkpoint

    def build():
        torch.manual_seed(seed)
        G, D = Generator(100), Discriminator()
        G.apply(dcgan_init)
        D.apply(dcgan_init)
        images, _ = random_images(seed)
        batches = Batches(images, batch_size=8, seed=seed)
        with tempfile.TemporaryDirectory() as run:
            cfg = TrainConfig(epochs=1, log_every=1, **_FAST)
            saver = Checkpoint(Path(run) / "checkpoints", every_epochs=1, keep=2)
            t = Trainer(G, D, batches, GANSteps(100), cfg, callbacks=[saver], device="cpu", progress=False)
            worst = worst_loss(t.fit())
            resumed = Trainer(Generator(100), Discriminator(), batches, GANSteps(100), replace(cfg, epochs=2),
                              device="cpu", progress=False)  # fmt: skip
            resumed.load_checkpoint(latest_checkpoint(Path(run) / "checkpoints"))  # the resume cell
            resumed.fit()
        return worst

    return run_path(build)


@check(_probe_02)
def hidden_lesson02_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "training and resume cells")


def _probe_03(seed, label_input, label_maps, generate_digit):
    from .. import nets
    from ..data import Batches
    from ..train import GANSteps

    def build():
        torch.manual_seed(seed)
        cfg = nets.CGANConfig(discriminator="concat", embed_dim=0)
        G = nets.ConditionalGenerator(cfg, label_input=label_input)
        D = nets.ConcatDiscriminator(cfg, label_maps=label_maps)
        images, labels = random_images(seed)
        worst = train_two_steps(
            G, D, Batches(images, labels, batch_size=8, seed=seed), GANSteps(cfg.z_dim, n_classes=10)
        )
        digits = torch.cat([generate_digit(G, d, 2) for d in range(10)])  # the label-accuracy cell
        if tuple(digits.shape) != (20, 1, 28, 28):
            raise ValueError(f"generate_digit for the ten digits gave {tuple(digits.shape)}, not (20, 1, 28, 28)")
        return worst

    return run_path(build)


@check(_probe_03)
def hidden_lesson03_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "training and label-accuracy cells")


def _probe_04(seed, ImagePool, d_update, g_update, identity_loss):
    from ..data import DomainPair
    from ..translation import METHODS, translation_config, translation_train_config, translation_trainer

    def build():
        images, _ = random_images(seed, 8)
        pair = DomainPair(images, images.flip(-1), ("A", "B"), False, "random")
        yours = {"pool": ImagePool, "d_update": d_update, "g_update": g_update}
        identity = {"pool": ImagePool, "d_update": d_update, "identity": identity_loss}
        worst = 0.0
        for loss, pieces in ((METHODS["cyclegan"], yours), (replace(METHODS["cyclegan"], lambda_id=5.0), identity)):
            torch.manual_seed(seed)
            t = translation_trainer(
                "cyclegan",
                pair,
                model_config=translation_config("cyclegan", 28, 1, 1, width=8, n_res=1),
                train_config=replace(translation_train_config("cyclegan", epochs=1, log_every=1), **_FAST),
                batch_size=4,
                progress=False,
                loss=loss,
                **pieces,
            )
            worst = max(worst, worst_loss(t.fit()))
        return worst

    return run_path(build)


@check(_probe_04)
def hidden_lesson04_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "CycleGAN runs (yours, and yours with the identity term)")


def _probe_05(seed, ConditionalBN, projection_logits, d_hinge, g_hinge):
    from .. import losses, nets, registry
    from ..data import Batches
    from ..train import GANSteps

    def build():
        torch.manual_seed(seed)
        bcfg = nets.BigGANConfig()
        G = nets.BigGANGenerator(bcfg, cbn=ConditionalBN)
        D = nets.BigGANDiscriminator(bcfg, projection=projection_logits)
        how = registry.get("biggan")
        steps = GANSteps(bcfg.z_dim, losses.GANLoss(d_hinge, g_hinge), n_classes=10, g_penalty=how.g_penalty)
        images, labels = random_images(seed)
        return train_two_steps(G, D, Batches(images, labels, batch_size=8, seed=seed), steps)

    return run_path(build)


@check(_probe_05)
def hidden_lesson05_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "BigGAN training cell")


def _probe_06(seed, critic_loss, g_loss, gradient_penalty, critic_step, Critic):
    from .. import losses, nets
    from ..data import Batches, PointBatches, ring
    from ..train import GANSteps

    def build():
        torch.manual_seed(seed)
        d_step = partial(critic_step, penalty=gradient_penalty)
        images, _ = random_images(seed)
        mnist = GANSteps(100, losses.GANLoss(critic_loss, g_loss), d_step=d_step)
        worst = train_two_steps(
            nets.DCGANGenerator(), Critic(), Batches(images, batch_size=8, seed=seed), mnist, d_steps=5
        )
        plane = GANSteps(64, losses.GANLoss(critic_loss, g_loss), d_step=d_step)  # the ring run
        G, D = nets.PlaneGenerator(nets.PlaneConfig(z_dim=64)), nets.PlaneDiscriminator()
        return max(
            worst, train_two_steps(G, D, PointBatches(ring(), batch_size=32, steps=2, seed=seed), plane, d_steps=5)
        )

    return run_path(build)


@check(_probe_06)
def hidden_lesson06_trains(r: dict, seed: int) -> str:
    return path_verdict(r, "WGAN-GP runs (MNIST and the ring)")


TRAINS = {  # lesson -> its hidden entry: (name in the grade table, check name, the student's objects it takes)
    "01": (
        "hidden: trains as the lesson does",
        "hidden_lesson01_trains",
        (
            "ToyGenerator",
            "ToyDiscriminator",
            "Generator",
            "Discriminator",
            "Z_DIM",
            "d_loss",
            "g_loss",
            "d_step",
            "g_step",
        ),
    ),
    "02": ("hidden: trains as the lesson does", "hidden_lesson02_trains", ("Generator", "Discriminator", "dcgan_init")),
    "03": (
        "hidden: trains as the lesson does",
        "hidden_lesson03_trains",
        ("label_input", "label_maps", "generate_digit"),
    ),
    "04": (
        "hidden: trains as the lesson does",
        "hidden_lesson04_trains",
        ("ImagePool", "d_update", "g_update", "identity_loss"),
    ),
    "05": (
        "hidden: trains as the lesson does",
        "hidden_lesson05_trains",
        ("ConditionalBN", "projection_logits", "d_hinge", "g_hinge"),
    ),
    "06": (
        "hidden: trains as the lesson does",
        "hidden_lesson06_trains",
        ("critic_loss", "g_loss", "gradient_penalty", "critic_step", "Critic"),
    ),
}
