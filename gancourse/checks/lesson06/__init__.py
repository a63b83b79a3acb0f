"""Checks for lesson 06: the Wasserstein losses, the gradient penalty, the critic step and the critic
(see :mod:`gancourse.checks.protocol`). ``HIDDEN``: the checks only the grader runs."""

from ..training import TRAINS
from .critic import check_critic
from .penalty import check_gradient_penalty, check_wasserstein_losses
from .step import check_critic_step

HIDDEN = [("hidden: penalty on vectors", "hidden_gp_vectors", ("gradient_penalty",)), TRAINS["06"]]

__all__ = ["check_wasserstein_losses", "check_gradient_penalty", "check_critic_step", "check_critic", "HIDDEN"]
