"""Lesson 04: unpaired image-to-image translation (DiscoGAN, CycleGAN) on the one trainer.

Its networks live in ``nets.translation`` and its domains in ``data.domains``; this package holds
the steps, the image pool, the learning-rate schedule, the recipe and the evaluation.
"""

from .evaluation import evaluate_one_way, evaluate_translation, format_translation, translate_images
from .pix2pix import Pix2PixSteps, pix2pix_g_loss
from .pool import ImagePool
from .recipe import (
    translation_config,
    translation_steps,
    translation_train_config,
    translation_trainer,
)
from .schedule import LinearDecay, lr_factor
from .steps import METHODS, TranslationLoss, TranslationSteps, cycle_rows, identity_loss

__all__ = [
    "evaluate_one_way",
    "evaluate_translation",
    "Pix2PixSteps",
    "pix2pix_g_loss",
    "format_translation",
    "translate_images",
    "ImagePool",
    "translation_config",
    "translation_steps",
    "translation_train_config",
    "translation_trainer",
    "identity_loss",
    "LinearDecay",
    "lr_factor",
    "METHODS",
    "TranslationLoss",
    "TranslationSteps",
    "cycle_rows",
]
