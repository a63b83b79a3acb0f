"""Checks for lesson 02: the transposed convolution's size, DCGAN's blocks and init, and the networks built from
them (see :mod:`gancourse.checks.protocol`). ``HIDDEN``: the checks only the grader runs."""

from ..training import TRAINS
from .blocks import check_conv_transpose_out_size, check_dcgan_init, check_down_block, check_up_block
from .networks import check_dcgan_discriminator, check_dcgan_generator

HIDDEN = [("hidden: transposed sizes", "hidden_conv_transpose_sizes", ("conv_transpose_out_size",)), TRAINS["02"]]

__all__ = [
    "check_conv_transpose_out_size",
    "check_up_block",
    "check_down_block",
    "check_dcgan_init",
    "check_dcgan_generator",
    "check_dcgan_discriminator",
    "HIDDEN",
]
