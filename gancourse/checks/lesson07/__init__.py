"""Checks for lesson 07: the Fréchet distance, the unbiased MMD^2 of KID and k-NN precision/recall (see
:mod:`gancourse.checks.protocol`). ``HIDDEN``: the checks only the grader runs."""

from .distances import check_frechet_distance, check_mmd2
from .lesson_path import MEASURES, hidden_lesson07_measures
from .neighbours import check_precision_recall

HIDDEN = [MEASURES]

__all__ = ["check_frechet_distance", "check_mmd2", "check_precision_recall", "hidden_lesson07_measures", "HIDDEN"]
