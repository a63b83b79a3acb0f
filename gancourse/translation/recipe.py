"""How lesson 04's models are set up: network configs, optimiser settings and a ready trainer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..config import GancourseError
from ..data.domains import DomainPair, UnpairedBatches
from ..nets.translation import TranslationConfig, build_translation
from ..train import TrainConfig, Trainer
from .schedule import LinearDecay
from .steps import METHODS, TranslationLoss, TranslationSteps


def _method(method: str) -> None:
    if method not in METHODS:
        raise GancourseError(f"unknown translation method {method!r}: choose discogan or cyclegan.")


def translation_config(
    method: str, image_size: int, channels_a: int, channels_b: int, **overrides
) -> TranslationConfig:
    """Lesson 04's networks: DiscoGAN's encoder-decoder with BatchNorm, or CycleGAN's ResNet with InstanceNorm.

    At 28-32 px the course uses width 32 and 3 residual blocks, so a 10-minute CPU run gets
    through a few epochs; CycleGAN's paper model (width 64, 9 blocks at 256 px) is
    ``width=64, n_res=9``.
    """
    _method(method)
    small = image_size <= 32
    base = TranslationConfig(
        generator="encoder-decoder" if method == "discogan" else "resnet",
        image_size=image_size,
        channels_a=channels_a,
        channels_b=channels_b,
        width=32 if small else 64,
        norm="batch" if method == "discogan" else "instance",
        n_res=3 if small else 6,
    )
    return replace(base, **overrides)


def translation_train_config(method: str, **overrides) -> TrainConfig:
    """The optimiser settings of each method (Adam 2e-4; beta1 0.5; DiscoGAN's seed uses beta2 0.99)."""
    _method(method)
    base = TrainConfig(
        epochs=10,
        lr_g=2e-4,
        lr_d=2e-4,
        beta1=0.5,
        beta2=0.99 if method == "discogan" else 0.999,
        loss=METHODS[method].gan_loss,
        n_fixed=8,
    )
    return replace(base, **overrides)


def translation_steps(
    method: str, pair: DomainPair, train_config: TrainConfig, loss: TranslationLoss | None = None, **pieces: Any
) -> TranslationSteps:
    """The method's steps (or ``loss``'s), with the first ``n_fixed`` images of each domain as the grids' fixed inputs.

    ``pieces`` are ``TranslationSteps``' injection points: ``pool``, ``d_update``, ``g_update``, ``identity``.
    """
    _method(method)
    if train_config.update != "alternating":
        raise GancourseError(f"{method} keeps its own alternating steps: drop --simultaneous.")
    n = train_config.n_fixed
    return TranslationSteps(loss or METHODS[method], (pair.a[:n], pair.b[:n]), **pieces)


def translation_trainer(
    method: str,
    pair: DomainPair,
    *,
    model_config: TranslationConfig | None = None,
    train_config: TrainConfig | None = None,
    batch_size: int = 32,
    device="cpu",
    seed: int = 0,
    limit: int | None = None,
    callbacks=(),
    progress: bool = True,
    loss: TranslationLoss | None = None,
    **pieces: Any,
) -> Trainer:
    """The one ``Trainer`` set up for DiscoGAN or CycleGAN on a ``data.DomainPair``.

    ``loss`` replaces the method's objective (e.g. ``lambda_rec=0`` for an ablation); ``pieces`` go to
    :func:`translation_steps` (lesson 04 passes the student's pool and updates).
    """
    _method(method)
    mcfg = model_config or translation_config(method, pair.a.shape[-1], pair.a.shape[1], pair.b.shape[1])
    tcfg = train_config or translation_train_config(method, seed=seed)
    try:
        G, D = build_translation(mcfg)
    except ValueError as e:
        raise GancourseError(f"{e}.") from None
    batches = UnpairedBatches(pair.a, pair.b, batch_size, device, seed=seed, limit=limit)
    steps = translation_steps(method, pair, tcfg, loss, **pieces)
    return Trainer(
        G,
        D,
        batches,
        steps,
        tcfg,
        kind=method,
        model_config=mcfg,
        callbacks=[LinearDecay(steps.loss.decay_from), *callbacks],
        device=device,
        progress=progress,
    )
