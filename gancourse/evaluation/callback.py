"""Evaluate while training: FD and class entropy every few epochs, with a mode-collapse alarm. Lesson 03."""

from __future__ import annotations

import warnings

import torch

from ..data.datasets import load_dataset
from ..tensors import to_uint8
from ..train import Callback
from .classifier import load_classifier
from .metrics import class_histogram, embed, frechet_distance, label_accuracy


class ModeCollapseWarning(UserWarning):
    """The generator's samples fall into too few classes."""


class Evaluation(Callback):
    """Every ``every`` epochs: sample ``n`` images, add FD, class entropy (and label accuracy) to the history.

    The samples come from the trainer's steps object (its fixed-input recipe with this callback's
    own seed), so any model kind works; class-conditional steps give labels, and label accuracy.
    Fires a :class:`ModeCollapseWarning` when the class entropy drops below ``alarm_entropy``.
    """

    def __init__(
        self,
        dataset: str = "mnist",
        every: int = 1,
        n: int = 1000,
        alarm_entropy: float = 0.8,
        root=None,
        seed: int = 0,
    ):
        self.dataset, self.every, self.n = dataset, every, n
        self.alarm_entropy, self.root, self.seed = alarm_entropy, root, seed
        self.clf = None
        self.ref = None

    def on_fit_start(self, trainer) -> None:
        if self.clf is None:
            self.clf = load_classifier(self.dataset, self.root)
            train = load_dataset(self.dataset, "train", root=self.root)
            pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(self.seed))[: max(self.n, 2000)]
            self.ref, _ = embed(self.clf, train.images[pick])

    @torch.no_grad()
    def measure(self, trainer) -> dict:
        g = torch.Generator().manual_seed(self.seed)
        inputs = trainer.steps.fixed_inputs(self.n, g, trainer.device)  # (z,) or (z, y)
        G = trainer.sampler()
        images = to_uint8(trainer.steps.sample(G, inputs))  # (n, C, H, W) uint8
        y = inputs[1] if len(inputs) > 1 else None
        feats, probs = embed(self.clf, images)
        row = {"fd": frechet_distance(self.ref, feats), "class_entropy": class_histogram(probs)[1]}
        if y is not None:
            row["label_accuracy"] = label_accuracy(probs, y.cpu())
        return row

    def on_epoch_end(self, trainer) -> None:
        if trainer.epoch % self.every:
            return
        row = {"step": trainer.step, "epoch": trainer.epoch, **self.measure(trainer)}
        trainer.history.append(row)
        if row["class_entropy"] < self.alarm_entropy:
            warnings.warn(
                f"mode collapse alarm at epoch {trainer.epoch}: class entropy {row['class_entropy']:.2f} < "
                f"{self.alarm_entropy} (the samples fall into few classes); look at the grid, and try a lower learning "
                "rate or restart from an earlier checkpoint.",
                ModeCollapseWarning,
                stacklevel=2,
            )
