"""The model registry: one entry per model kind, and everything that is read from it.

An entry (:class:`ModelKind`) says how a kind is built (its networks' config class and
builder), which config it takes for given training data, whether it is class-conditional,
which data it trains on, and how it is trained (the recipe: a ``TrainConfig``, the batch size,
the steps object, extra callbacks). The command line's choices, ``build``, ``is_conditional``,
the benchmarks and the tests all read these entries, so adding a model is one ``nets`` file
plus one :func:`register` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any

from torch import nn

from . import nets
from .config import GancourseError, config_from_dict
from .losses import get_loss, orthogonal_penalty
from .nets.conditional import make_discriminator
from .train import GANSteps, Steps, TrainConfig, augmenter, critic_step, ema_generator_state
from .translation import (
    METHODS,
    LinearDecay,
    Pix2PixSteps,
    translation_config,
    translation_steps,
    translation_train_config,
)


@dataclass(frozen=True)
class ModelOptions:
    """Model choices that a user may make (the CLI's ``--cond-d`` and ``--generator``)."""

    cond_d: str = "projection"  # cgan: "concat" or "projection" discriminator
    generator: str | None = None  # discogan/cyclegan: "encoder-decoder", "unet" or "resnet" (None: the method's)


def gan_steps(kind: ModelKind, model_config: Any, train_config: TrainConfig, data: Any = None) -> Steps:
    """The noise-to-image steps for a kind: its loss, labels when conditional, its G penalty, the update."""
    return GANSteps(
        model_config.z_dim,
        get_loss(train_config.loss),
        n_classes=model_config.n_classes if kind.conditional else 0,
        g_penalty=kind.g_penalty,
        simultaneous=train_config.update == "simultaneous",
        augment=augmenter(train_config.augment),
    )


@dataclass(frozen=True)
class ModelKind:
    name: str
    config: type  # the networks' config dataclass, stored in checkpoints as asdict(cfg)
    build: Callable[[Any], tuple[nn.Module, nn.Module]]  # config -> (G, D)
    make_config: Callable[[Any, ModelOptions], Any]  # (training data, options) -> config
    lesson: str = ""
    conditional: bool = False  # batches carry labels; G(z, y) and D(x, y)
    data: str = "images"  # "images": one dataset; "domains": two image domains (04); "pairs": paired ones (08)
    train: TrainConfig = field(default_factory=TrainConfig)  # the recipe: optimiser, loss, d_steps, EMA
    batch_size: int = 32
    g_penalty: Callable[[nn.Module], Any] | None = None  # added to G's loss by the GAN steps
    make_steps: Callable[..., Steps] = gan_steps  # (kind, model config, train config, data) -> steps
    callbacks: Callable[[], list] = list  # extra callbacks every run of this kind gets
    updates: tuple[str, ...] = ("alternating", "simultaneous")  # the update algorithms its steps implement

    def steps(self, model_config: Any, train_config: TrainConfig, data: Any = None) -> Steps:
        return self.make_steps(self, model_config, train_config, data)

    def train_config(self, **overrides) -> TrainConfig:
        return replace(self.train, **overrides)


REGISTRY: dict[str, ModelKind] = {}


def register(kind: ModelKind) -> ModelKind:
    """Add (or replace) a model kind; the CLI offers it from then on."""
    REGISTRY[kind.name] = kind
    return kind


def kinds() -> tuple[str, ...]:
    return tuple(REGISTRY)


def get(name: str) -> ModelKind:
    if name not in REGISTRY:
        raise GancourseError(f"unknown model kind {name!r}: this gancourse knows {', '.join(REGISTRY)}.")
    return REGISTRY[name]


def is_conditional(name: str) -> bool:
    return get(name).conditional


def build(name: str, config: dict | Any) -> tuple[nn.Module, nn.Module]:
    """``(G, D)`` of model ``name`` from ``asdict(config)`` (as stored in a checkpoint) or a config object."""
    kind = get(name)
    cfg = config_from_dict(kind.config, config if isinstance(config, dict) else asdict(config))
    try:
        return kind.build(cfg)
    except ValueError as e:
        raise GancourseError(f"{e}.") from None


def configs_from_checkpoint(ckpt: dict) -> tuple[Any, TrainConfig]:
    """The model config and the train config a checkpoint was written with."""
    return config_from_dict(get(ckpt["kind"]).config, ckpt["config"]), config_from_dict(
        TrainConfig, ckpt["train_config"]
    )


def generator_from_checkpoint(ckpt: dict, path: Any, ema: bool = True) -> nn.Module:
    """G rebuilt from a checkpoint alone, with its EMA weights when the run kept them (and ``ema``)."""
    G, _ = build(ckpt["kind"], ckpt["config"])
    state = (ema_generator_state(ckpt) if ema else None) or ckpt["G"]
    try:
        G.load_state_dict(state)
    except RuntimeError:
        raise GancourseError(f"{path}: the weights do not fit its own config; the file is damaged.") from None
    return G


# ------------------------------------------------------------------ the course's kinds


def _channels_and_side(data) -> tuple[int, int]:
    c, h, _ = data.images.shape[1:]  # (C, H, W) of one image
    return c, h


def _dcgan_size(name: str, h: int) -> None:
    try:
        nets.check_image_size(h, name)
    except ValueError as e:
        raise GancourseError(f"{e}: use mnist, fashion-mnist or folder:PATH.") from None


def _mlp_config(data, options: ModelOptions) -> nets.MLPConfig:
    c, h = _channels_and_side(data)
    return nets.MLPConfig(img_shape=(c, h, h))


def _dcgan_config(data, options: ModelOptions) -> nets.DCGANConfig:
    c, h = _channels_and_side(data)
    _dcgan_size("dcgan", h)
    return nets.DCGANConfig(img_size=h, channels=c)


def _cgan_config(data, options: ModelOptions) -> nets.CGANConfig:
    c, h = _channels_and_side(data)
    _dcgan_size("cgan", h)
    return nets.CGANConfig(img_size=h, channels=c, discriminator=options.cond_d)


def _critic_config(data, options: ModelOptions) -> nets.DCGANConfig:
    c, h = _channels_and_side(data)
    _dcgan_size("wgan-gp", h)
    return nets.DCGANConfig(img_size=h, channels=c, batchnorm_d=False, dropout=0.0)  # a critic: no BatchNorm


def _wgan_steps(kind: ModelKind, model_config: Any, train_config: TrainConfig, data: Any = None) -> Steps:
    return GANSteps(
        model_config.z_dim, get_loss("wasserstein"), d_step=critic_step, augment=augmenter(train_config.augment)
    )


def _biggan_config(data, options: ModelOptions) -> nets.BigGANConfig:
    c, h = _channels_and_side(data)
    if h != 28:
        raise GancourseError(f"biggan trains on 28x28 images (mnist, fashion-mnist), not {h}x{h}.")
    return nets.BigGANConfig(channels=c)


def _pix2pix_config(pair, options: ModelOptions) -> nets.Pix2PixConfig:
    size = max(32, pair.a.shape[-1])
    g_levels, d_levels = (3, 1) if size == 32 else (4, 2)  # receptive field 16 px of 32, 34 px of 64
    return nets.Pix2PixConfig(size, pair.a.shape[1], pair.b.shape[1], g_levels=g_levels, d_levels=d_levels)


def _pix2pix_steps(kind: ModelKind, model_config: Any, train_config: TrainConfig, pair: Any = None) -> Steps:
    n = train_config.n_fixed
    return Pix2PixSteps((pair.a[:n], pair.b[:n]))


def _stylegan_config(data, options: ModelOptions) -> nets.StyleGANConfig:
    c, h = _channels_and_side(data)
    if h != 28:
        raise GancourseError(f"stylegan trains on 28x28 images (mnist, fashion-mnist), not {h}x{h}.")
    return nets.StyleGANConfig(channels=c)


def _stylegan_nets(cfg: nets.StyleGANConfig) -> tuple[nn.Module, nn.Module]:
    return nets.StyleGenerator(cfg), nets.DCGANDiscriminator(nets.DCGANConfig(img_size=28, channels=cfg.channels))


def _translation_kind(method: str) -> ModelKind:
    def make_config(pair, options: ModelOptions) -> nets.TranslationConfig:
        extra = {"generator": options.generator} if options.generator else {}
        return translation_config(method, pair.a.shape[-1], pair.a.shape[1], pair.b.shape[1], **extra)

    return ModelKind(
        method,
        nets.TranslationConfig,
        nets.build_translation,
        make_config,
        lesson="04",
        data="domains",
        train=translation_train_config(method),
        make_steps=lambda kind, mcfg, tcfg, pair: translation_steps(method, pair, tcfg),
        callbacks=lambda: [LinearDecay(METHODS[method].decay_from)],
        updates=("alternating",),
    )


register(
    ModelKind(
        "gan",
        nets.MLPConfig,
        lambda c: (nets.MLPGenerator(c), nets.MLPDiscriminator(c)),
        _mlp_config,
        lesson="01",
        batch_size=64,
    )
)
register(
    ModelKind(
        "dcgan",
        nets.DCGANConfig,
        lambda c: (nets.DCGANGenerator(c), nets.DCGANDiscriminator(c)),
        _dcgan_config,
        lesson="02",
    )
)
register(
    ModelKind(
        "cgan",
        nets.CGANConfig,
        lambda c: (nets.ConditionalGenerator(c), make_discriminator(c)),
        _cgan_config,
        lesson="03",
        conditional=True,
    )
)
# WGAN-GP: DCGAN's G, its D without BatchNorm as the critic, gradient penalty, n_critic = 5, Adam(0.5, 0.9)
register(
    ModelKind(
        "wgan-gp",
        nets.DCGANConfig,
        lambda c: (nets.DCGANGenerator(c), nets.DCGANDiscriminator(c)),
        _critic_config,
        lesson="06",
        batch_size=64,
        make_steps=_wgan_steps,
        updates=("alternating",),
        train=TrainConfig(loss="wasserstein", d_steps=5, lr_g=1e-4, lr_d=1e-4, beta1=0.5, beta2=0.9),
    )
)
register(_translation_kind("discogan"))
register(_translation_kind("cyclegan"))
# BigGAN: hinge loss, 2 D steps per G step, TTUR learning rates, Adam(0, 0.999), EMA of G, orthogonal regularisation
register(
    ModelKind(
        "biggan",
        nets.BigGANConfig,
        lambda c: (nets.BigGANGenerator(c), nets.BigGANDiscriminator(c)),
        _biggan_config,
        lesson="05",
        conditional=True,
        train=TrainConfig(loss="hinge", d_steps=2, lr_g=1e-4, lr_d=4e-4, beta1=0.0, ema_decay=0.999),
        g_penalty=partial(orthogonal_penalty, beta=1e-4),
    )
)
# pix2pix: paired A -> B, U-Net G, PatchGAN D(a, b), BCE + 100·L1, Adam(2e-4, 0.5, 0.999)
register(
    ModelKind(
        "pix2pix",
        nets.Pix2PixConfig,
        nets.build_pix2pix,
        _pix2pix_config,
        lesson="08",
        data="pairs",
        train=TrainConfig(loss="bce", lr_g=2e-4, lr_d=2e-4, beta1=0.5),
        make_steps=_pix2pix_steps,
        updates=("alternating",),
    )
)
# StyleGAN's generator (mapping, AdaIN, noise, constant input, style mixing) against lesson 02's D, with StyleGAN's
# Adam (beta1 = 0, beta2 = 0.99; Karras et al. 2019, App. C, from ProGAN) and ProGAN's EMA of G's weights (0.999).
# The paper's lr 1e-3 with equalised learning rate is not used: at 2e-4 without it, 5e-4 for G trained worse.
register(
    ModelKind(
        "stylegan",
        nets.StyleGANConfig,
        _stylegan_nets,
        _stylegan_config,
        lesson="09",
        train=TrainConfig(beta1=0.0, beta2=0.99, ema_decay=0.999),
    )
)
