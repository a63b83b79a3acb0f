"""Checks for lesson 04: the cycle loss and the image pool, the two updates that use them, the identity loss
(see :mod:`gancourse.checks.protocol`). ``HIDDEN``: the checks only the grader runs."""

from ..training import TRAINS
from .cycle import check_cycle_loss, check_image_pool
from .identity import check_identity_loss
from .updates import check_d_update, check_generator_update

HIDDEN = [("hidden: cycle loss on images", "hidden_cycle_loss_images", ("cycle_loss",)), TRAINS["04"]]

__all__ = [
    "check_cycle_loss",
    "check_image_pool",
    "check_identity_loss",
    "check_d_update",
    "check_generator_update",
    "HIDDEN",
]
