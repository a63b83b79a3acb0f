"""Network families, one per file, lesson by lesson: ``mlp`` (01), ``dcgan`` (02), ``conditional`` (03), ``translation`` (04),
``biggan`` (05)."""

from .biggan import BigGANConfig, BigGANDiscriminator, BigGANGenerator
from .conditional import (
    CGANConfig,
    ConcatDiscriminator,
    ConditionalGenerator,
    ProjectionDiscriminator,
)
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from .mlp import MLPConfig, MLPDiscriminator, MLPGenerator
from .translation import TranslationConfig, build_translation

__all__ = [
    "MLPConfig", "MLPGenerator", "MLPDiscriminator",
    "DCGANConfig", "DCGANGenerator", "DCGANDiscriminator",
    "CGANConfig", "ConditionalGenerator", "ConcatDiscriminator", "ProjectionDiscriminator",
    "BigGANConfig", "BigGANGenerator", "BigGANDiscriminator",
    "TranslationConfig", "build_translation",
    "KINDS", "CONFIGS", "build", "is_conditional",
]

CONFIGS = {"gan": MLPConfig, "mlp": MLPConfig, "dcgan": DCGANConfig, "cgan": CGANConfig, "biggan": BigGANConfig,
           "discogan": TranslationConfig, "cyclegan": TranslationConfig}
KINDS = tuple(CONFIGS)


def is_conditional(kind: str) -> bool:
    return kind in ("cgan", "biggan")


def build(kind: str, config: dict):
    """Rebuild ``(G, D)`` of model ``kind`` from ``asdict(config)``, as stored in a checkpoint.

    For ``discogan`` and ``cyclegan``, G and D are ``ModuleDict``s of the two directions.
    """
    from ..config import GancourseError, config_from_dict
    from .conditional import make_discriminator

    if kind not in CONFIGS:
        raise GancourseError(f"unknown model kind {kind!r}: this gancourse knows {', '.join(KINDS)}.")
    cfg = config_from_dict(CONFIGS[kind], config)
    if kind in ("gan", "mlp"):
        return MLPGenerator(cfg), MLPDiscriminator(cfg)
    if kind == "dcgan":
        return DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    if kind == "biggan":
        return BigGANGenerator(cfg), BigGANDiscriminator(cfg)
    if kind in ("discogan", "cyclegan"):
        try:
            return build_translation(cfg)
        except ValueError as e:
            raise GancourseError(f"{e}.") from None
    return ConditionalGenerator(cfg), make_discriminator(cfg)
