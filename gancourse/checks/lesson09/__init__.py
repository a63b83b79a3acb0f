"""Checks for lesson 09: the mapping network, AdaIN, the noise input, style mixing and truncation in W (see
:mod:`gancourse.checks.protocol`). ``HIDDEN``: the checks only the grader runs."""

from .latent import check_mix_styles, check_truncate_w
from .layers import check_adain, check_mapping, check_noise
from .lesson_path import TRAINS, hidden_lesson09_trains

HIDDEN = [TRAINS]

__all__ = [
    "check_mapping",
    "check_adain",
    "check_noise",
    "check_mix_styles",
    "check_truncate_w",
    "hidden_lesson09_trains",
    "HIDDEN",
]
