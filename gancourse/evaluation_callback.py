"""Evaluate while training: FD and class entropy every few epochs, with a mode-collapse alarm. Lesson 03."""

from __future__ import annotations

import warnings

import torch

from .callbacks import Callback
from .classifier import load_classifier
from .data import load_dataset
from .evaluate import class_histogram, embed, frechet_distance, label_accuracy
from .viz import to_uint8


class ModeCollapseWarning(UserWarning):
    """The generator's samples fall into too few classes."""


class Evaluation(Callback):
    """Every ``every`` epochs: sample ``n`` images, add FD, class entropy (and label accuracy) to the history.

    Fires a :class:`ModeCollapseWarning` when the class entropy drops below ``alarm_entropy``.
    """

    def __init__(self, dataset: str = "mnist", every: int = 1, n: int = 1000, n_classes: int | None = None,
                 alarm_entropy: float = 0.8, root=None, seed: int = 0):
        self.dataset, self.every, self.n, self.n_classes = dataset, every, n, n_classes
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
        from .train import generate

        g = torch.Generator().manual_seed(self.seed)
        z = torch.randn(self.n, trainer.z_dim, generator=g).to(trainer.device)
        G = trainer.ema.module if trainer.ema is not None else trainer.G
        if self.n_classes:
            y = (torch.arange(self.n) % self.n_classes).to(trainer.device)
            images = to_uint8(generate(G, z, y))
        else:
            y, images = None, to_uint8(generate(G, z))
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
