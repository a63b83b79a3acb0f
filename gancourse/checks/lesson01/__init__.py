"""Checks for lesson 01: the 2-D toy networks, the losses, the two training steps, the smallest game's two
update orders, the MNIST networks.

Each check is a probe (runs the student's code, returns values) and a verdict (judges the values
against what the library computes itself on the same inputs): see :mod:`gancourse.checks.protocol`.
``HIDDEN`` lists the checks the grader runs that the notebook does not show.
"""

from ..training import TRAINS
from .game import check_game_steps
from .losses import check_d_loss, check_g_loss
from .networks import check_discriminator, check_generator
from .steps import check_d_step, check_g_step
from .toy import check_toy_nets

HIDDEN = [  # (name in the grade table, check name, the student's objects it takes)
    ("hidden: toy sizes", "hidden_toy_sizes", ("ToyGenerator", "ToyDiscriminator")),
    ("hidden: G per sample", "hidden_generator_per_sample", ("Generator",)),
    ("hidden: D loss is a mean", "hidden_d_loss_is_a_mean", ("d_loss",)),
    TRAINS["01"],
]

__all__ = [
    "check_toy_nets",
    "check_d_loss",
    "check_g_loss",
    "check_d_step",
    "check_g_step",
    "check_game_steps",
    "check_generator",
    "check_discriminator",
    "HIDDEN",
]
