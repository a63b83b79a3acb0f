"""Checks for lesson 04: the cycle loss and the image pool, then the two updates that use them
(see :mod:`gancourse.checks.protocol`). ``HIDDEN``: the checks only the grader runs."""

from .cycle import check_cycle_loss, check_image_pool
from .updates import check_d_update, check_generator_update

HIDDEN = [("hidden: cycle loss on images", "hidden_cycle_loss_images", ("cycle_loss",))]

__all__ = ["check_cycle_loss", "check_image_pool", "check_d_update", "check_generator_update", "HIDDEN"]
