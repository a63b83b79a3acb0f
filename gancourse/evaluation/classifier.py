"""The course's own digit classifier: the feature network of the evaluation suite. Lesson 03.

``load_classifier(dataset)`` looks for weights in the data root (what
``gancourse train-classifier`` writes), then in the package (small weights committed
for the offline datasets, reproducible with the same command), and otherwise trains one
(about a minute on a laptop CPU). Weights load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..config import GancourseError, data_root
from ..data import Batches, load_dataset
from ..tensors import to_unit
from ..utils import atomic_save

Tensor = torch.Tensor
BUNDLED = Path(__file__).parents[1] / "weights"


class DigitClassifier(nn.Module):
    """LeNet-style CNN for 28x28 grey images in [-1, 1]: logits (N, 10); ``features`` is (N, 128)."""

    feature_dim = 128

    def __init__(self, n_classes: int = 10):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # (N, 32, 14, 14)
            nn.Conv2d(32, 32, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # (N, 32, 7, 7)
            nn.Flatten(),  # (N, 1568)
            nn.Linear(32 * 7 * 7, self.feature_dim),
            nn.ReLU(inplace=True),  # (N, 128): phi(x)
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(self.feature_dim, n_classes)  # (N, 10)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)  # (N, 128)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.dropout(self.features(x)))  # (N, n_classes)


def as_model_input(images: Tensor) -> Tensor:
    """uint8 0..255 or floats in [-1, 1], shape (N, 1, 28, 28) -> floats in [-1, 1]."""
    return to_unit(images).float()


def _shift(x: Tensor, generator: torch.Generator) -> Tensor:
    """Random translations of up to 2 pixels: cheap augmentation that matters on 4,000 digits."""
    dx, dy = (torch.randint(-2, 3, (2,), generator=generator)).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


@torch.no_grad()
def accuracy(clf: nn.Module, images: Tensor, labels: Tensor, batch_size: int = 1000) -> float:
    clf.eval()
    device = next(clf.parameters()).device
    correct = 0
    for i in range(0, len(images), batch_size):
        logits = clf(as_model_input(images[i : i + batch_size]).to(device))
        correct += int((logits.argmax(1).cpu() == labels[i : i + batch_size]).sum())
    return correct / max(1, len(images))


def fit_classifier(images: Tensor, labels: Tensor, epochs: int, seed: int = 0, device: str = "cpu") -> DigitClassifier:
    """Train a DigitClassifier on uint8 images and int64 labels (also used for GAN-train)."""
    torch.manual_seed(seed)
    clf = DigitClassifier().to(device)
    opt = torch.optim.Adam(clf.parameters(), lr=1e-3)
    batches = Batches(images, labels, batch_size=64, device=device, seed=seed)
    g = torch.Generator().manual_seed(seed)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * len(batches))
    clf.train()
    for _ in range(epochs):
        for x, y in batches:
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(clf(_shift(x, g)), y).backward()
            opt.step()
            sched.step()
    return clf.eval()


def classifier_path(dataset: str, root: str | Path | None = None) -> Path:
    return data_root(root) / "classifiers" / f"{dataset}.pt"


def train_classifier(
    dataset: str,
    root: str | Path | None = None,
    epochs: int | None = None,
    seed: int = 0,
    out: str | Path | None = None,
) -> dict:
    """Train on the train split, score on the test split, save (fp16, atomically); returns the report."""
    train, test = load_dataset(dataset, "train", root=root), load_dataset(dataset, "test", root=root)
    epochs = epochs or (12 if len(train) < 10_000 else 4)
    clf = fit_classifier(train.images, train.labels, epochs, seed)
    acc = accuracy(clf, test.images, test.labels)
    report = {
        "dataset": dataset,
        "source": train.source,
        "n_train": len(train),
        "n_test": len(test),
        "epochs": epochs,
        "seed": seed,
        "test_accuracy": acc,
    }
    path = Path(out) if out else classifier_path(dataset, root)
    state = {k: v.half() for k, v in clf.state_dict().items()}
    atomic_save({"kind": "digit-classifier", "report": report, "state": state}, path)
    report["path"] = str(path)
    return report


def load_classifier(dataset: str, root: str | Path | None = None, train_if_missing: bool = True) -> DigitClassifier:
    """The classifier for ``dataset``: the data root's, else the bundled one, else a freshly trained one."""
    if dataset not in ("mnist", "fashion-mnist"):
        raise GancourseError(f"no classifier for {dataset!r}: evaluation supports mnist and fashion-mnist.")
    for path in (classifier_path(dataset, root), BUNDLED / f"{dataset}.pt"):
        if path.is_file():
            try:
                ckpt = torch.load(path, map_location="cpu", weights_only=True)
                clf = DigitClassifier()
                clf.load_state_dict({k: v.float() for k, v in ckpt["state"].items()})
                return clf.eval()
            except Exception as e:
                raise GancourseError(
                    f"classifier weights {path} are unreadable ({type(e).__name__}): delete the file "
                    f"and run `gancourse train-classifier --dataset {dataset}`."
                ) from None
    if not train_if_missing:
        raise GancourseError(f"no classifier for {dataset}: run `gancourse train-classifier --dataset {dataset}`.")
    print(f"gancourse: training the {dataset} classifier once (about a minute); it is cached in the data root.")
    train_classifier(dataset, root)
    return load_classifier(dataset, root, train_if_missing=False)
