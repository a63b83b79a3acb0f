"""Evaluation with the course classifier: metrics, sample files, reports and a training-time callback."""

from .callback import Evaluation, ModeCollapseWarning
from .classifier import DigitClassifier, accuracy, load_classifier, train_classifier
from .metrics import (
    class_histogram,
    density_coverage,
    embed,
    evaluate_samples,
    format_report,
    frechet_distance,
    inception_score,
    kid,
    label_accuracy,
    load_samples,
    mmd2_unbiased,
    on_sphere,
    precision_recall,
)
from .plane import Coverage, kde_density, mode_coverage, optimal_discriminator, plane_mesh

__all__ = [
    "Evaluation",
    "ModeCollapseWarning",
    "DigitClassifier",
    "accuracy",
    "load_classifier",
    "train_classifier",
    "class_histogram",
    "density_coverage",
    "embed",
    "evaluate_samples",
    "format_report",
    "frechet_distance",
    "inception_score",
    "kid",
    "label_accuracy",
    "load_samples",
    "mmd2_unbiased",
    "on_sphere",
    "precision_recall",
    "Coverage",
    "kde_density",
    "mode_coverage",
    "optimal_discriminator",
    "plane_mesh",
]
