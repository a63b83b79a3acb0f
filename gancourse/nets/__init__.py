"""Network families, one per file, lesson by lesson: ``plane`` and ``mlp`` (01), ``dcgan`` (02), ``conditional`` (03),
``translation`` (04), ``biggan`` (05), ``pix2pix`` (08), ``stylegan`` (09).

Networks read only their config dataclass: no globals, no argparse, no training code. Which
kinds exist, and how each is trained, is ``gancourse.registry``'s business.
"""

from .biggan import BigGANConfig, BigGANDiscriminator, BigGANGenerator
from .conditional import (
    CGANConfig,
    ConcatDiscriminator,
    ConditionalGenerator,
    ProjectionDiscriminator,
)
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, check_image_size
from .mlp import MLPConfig, MLPDiscriminator, MLPGenerator
from .pix2pix import ConditionalPatchDiscriminator, Pix2PixConfig, build_pix2pix, receptive_field
from .plane import PlaneConfig, PlaneDiscriminator, PlaneGenerator
from .stylegan import StyleGANConfig, StyleGenerator
from .trace import shape_trace
from .translation import TranslationConfig, build_translation

__all__ = [
    "PlaneConfig",
    "PlaneGenerator",
    "PlaneDiscriminator",
    "MLPConfig",
    "MLPGenerator",
    "MLPDiscriminator",
    "DCGANConfig",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "check_image_size",
    "CGANConfig",
    "ConditionalGenerator",
    "ConcatDiscriminator",
    "ProjectionDiscriminator",
    "BigGANConfig",
    "BigGANGenerator",
    "BigGANDiscriminator",
    "TranslationConfig",
    "build_translation",
    "Pix2PixConfig",
    "ConditionalPatchDiscriminator",
    "build_pix2pix",
    "receptive_field",
    "StyleGANConfig",
    "StyleGenerator",
    "shape_trace",
]
