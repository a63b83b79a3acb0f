"""Checks for lesson 08: the U-Net's skips, the receptive field, the conditional PatchGAN and pix2pix's
objective (see :mod:`gancourse.checks.protocol`). ``HIDDEN``: the checks only the grader runs."""

from .lesson_path import TRAINS, hidden_lesson08_trains
from .patch import check_conditional_patch_d, check_pix2pix_g_loss
from .unet import check_receptive_field, check_unet_route

HIDDEN = [TRAINS]

__all__ = [
    "check_unet_route",
    "check_receptive_field",
    "check_conditional_patch_d",
    "check_pix2pix_g_loss",
    "hidden_lesson08_trains",
    "HIDDEN",
]
