"""Typed options of ``gancourse train``, built once from the parsed arguments.

Below the parser nothing sees an ``argparse.Namespace``: the train command reads a
:class:`TrainOptions`, and the library reads the configs and callbacks made from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import GancourseError
from ..registry import ModelOptions
from ..train import TimeBudget


@dataclass(frozen=True)
class DataOptions:
    dataset: str = "mnist"  # mnist, fashion-mnist or folder:PATH
    root: str | None = None  # the data root
    limit: int | None = None  # only the first N images
    domains: str = "bag-edges:bags"  # lesson 04: offline domains A:B
    pix2pix: str | None = None  # lesson 04: a folder of A|B images
    folders: tuple[str, str] | None = None  # lesson 04: two folders of unpaired images
    image_size: int = 64  # lesson 04 on real data


@dataclass(frozen=True)
class TrainOptions:
    model: str
    out: Path
    epochs: int
    data: DataOptions
    model_options: ModelOptions
    speed: dict[str, Any]  # the speed fields of TrainConfig given on the command line (update, precision, ...)
    batch_size: int | None = None
    lr: float | None = None
    loss: str | None = None
    seed: int = 0
    device: str | None = None
    resume: bool = False
    checkpoint_every: int = 500
    tensorboard: bool = False
    compile: bool = False
    time_limit: float | None = None  # minutes
    quiet: bool = False
    augment: str | None = None  # DiffAugment policy (None: the recipe's)

    def train_overrides(self) -> dict:
        """What the user changed of the recipe's TrainConfig."""
        out = {"epochs": self.epochs, "seed": self.seed}
        if self.lr is not None:
            out.update(lr_g=self.lr, lr_d=self.lr)
        if self.loss is not None:
            out["loss"] = self.loss
        if self.augment is not None:
            out["augment"] = self.augment
        return out

    def time_budget(self) -> list:
        """``--time-limit MIN`` as a callback: training stops after the current step and the run is saved."""
        if self.time_limit is None:
            return []
        if self.time_limit <= 0:
            raise GancourseError(f"--time-limit must be a positive number of minutes, got {self.time_limit}.")
        return [TimeBudget(self.time_limit * 60)]


def train_options(args) -> TrainOptions:
    """The parsed ``train``/``demo`` arguments as typed options (the only place that reads them)."""
    data = DataOptions(
        args.dataset,
        args.data,
        args.limit,
        getattr(args, "domains", "bag-edges:bags"),
        getattr(args, "pix2pix", None),
        tuple(args.folders) if getattr(args, "folders", None) else None,
        getattr(args, "image_size", 64),
    )
    speed = {
        "update": "simultaneous" if args.simultaneous else "alternating",
        "conv": args.conv,
        "channels_last": args.channels_last,
        "fused_adam": args.fused_adam,
    }
    if args.precision is not None:
        speed["precision"] = args.precision
    return TrainOptions(
        args.model,
        Path(args.out or f"runs/{args.model}"),
        args.epochs,
        data,
        ModelOptions(args.cond_d, getattr(args, "generator", None)),
        speed,
        args.batch_size,
        args.lr,
        args.loss,
        args.seed,
        args.device,
        args.resume,
        args.checkpoint_every,
        args.tensorboard,
        args.compile,
        args.time_limit,
        args.quiet,
        getattr(args, "augment", None),
    )
