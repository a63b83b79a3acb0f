"""``gancourse train KIND`` (and ``demo``): any registered model kind, one code path.

Everything model-specific comes from the registry entry: the networks' config for the data,
the recipe's TrainConfig, the steps object and extra callbacks. This module loads the data,
resumes, wires the run folder's callbacks and writes the run's pictures.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, replace
from pathlib import Path

import torch

from .. import registry
from ..config import GancourseError
from ..data import Batches, PairedBatches, UnpairedBatches, load_dataset, load_pair, paired
from ..train import (
    Checkpoint,
    EpochTimer,
    HistoryFile,
    TensorBoard,
    Trainer,
    load_checkpoint,
    newest_intact,
    remove_orphans,
)
from ..train.distributed import barrier_and_close, init_from_env, shard, wrap
from ..translation import evaluate_one_way, evaluate_translation, format_translation
from ..utils import choose_device, seed_and_threads, unique_path
from ..viz import SampleGrid, plot_history, save_grid
from .common import progress_gif, writable
from .options import TrainOptions


def load_training_data(kind: registry.ModelKind, opts: TrainOptions, split: str = "train"):
    """A dataset (``ImageData``) or, for lesson 04's kinds, a ``DomainPair``."""
    d = opts.data
    if kind.data in ("domains", "pairs"):
        pair = load_pair(d.domains, split, root=d.root, pix2pix=d.pix2pix, folders=d.folders, image_size=d.image_size)
        return paired(pair) if kind.data == "pairs" else pair
    return load_dataset(d.dataset, split, root=d.root)


def _batches(kind: registry.ModelKind, data, opts: TrainOptions, batch_size: int, device, dist):
    if kind.data == "domains":
        return UnpairedBatches(data.a, data.b, batch_size, device, seed=opts.seed, limit=opts.data.limit)
    if kind.data == "pairs":
        return PairedBatches(data.a, data.b, batch_size, device, seed=opts.seed, limit=opts.data.limit)
    images, labels = data.images[: opts.data.limit], data.labels[: opts.data.limit]
    if dist is not None:
        images, labels = shard(images, labels, dist)  # this rank's share of the data
    rank = dist.rank if dist else 0
    return Batches(images, labels if kind.conditional else None, batch_size, device, seed=opts.seed + rank)


def _run_folder(opts: TrainOptions, main_rank: bool) -> tuple[Path, Path | None]:
    """The run folder and the checkpoint to resume from (never an earlier run's folder for a new run)."""
    if opts.resume:
        folder = opts.out / "checkpoints"
        if main_rank and (removed := remove_orphans(folder)):
            print(f"removed {removed} half-written checkpoint file(s) a stopped run left in {folder}")
        resume_from, skipped = newest_intact(folder, opts.model)
        if main_rank:
            for line in skipped:
                print(line)
        if resume_from is None:
            why = " (none of them can be read)" if skipped else ""
            raise GancourseError(f"no checkpoint to resume in {folder}{why}: drop --resume to start a new run.")
        return opts.out, resume_from
    return (unique_path(opts.out) if main_rank else opts.out), None


def _callbacks(kind: registry.ModelKind, opts: TrainOptions, out: Path, images_per_epoch: int) -> list:
    callbacks = [
        *kind.callbacks(),
        SampleGrid(every=1, folder=out / "grids"),
        Checkpoint(out / "checkpoints", every_epochs=1, every_steps=opts.checkpoint_every),
        HistoryFile(out / "history.json"),
    ]
    if opts.tensorboard:
        callbacks.append(TensorBoard(out / "tensorboard"))
    return callbacks + opts.time_budget() + [EpochTimer(images_per_epoch)]  # last: an epoch includes its grids


def train(opts: TrainOptions) -> Path:
    kind = registry.get(opts.model)
    if opts.speed["update"] not in kind.updates:
        raise GancourseError(f"{kind.name} keeps its own alternating steps: drop --simultaneous.")
    device = choose_device(opts.device)
    dist = init_from_env(device)  # under torchrun: this process's rank; None in a plain run
    if dist is not None:
        device = dist.device
        if kind.data != "images":
            raise GancourseError(f"{kind.name} trains in one process: run it without torchrun.")
        if opts.time_limit is not None:
            raise GancourseError("--time-limit could stop ranks at different steps: use --epochs with torchrun.")
    main_rank = dist is None or dist.main
    out, resume_from = _run_folder(opts, main_rank)
    created = main_rank and not out.exists()
    if main_rank:
        writable(out)
    try:
        return _fit(kind, opts, out, resume_from, device, dist, main_rank)
    except BaseException:
        if created and out.is_dir() and not any(p.is_file() for p in out.rglob("*")):
            shutil.rmtree(out)  # a run that failed before writing anything leaves no empty folder behind
        raise


def _fit(
    kind: registry.ModelKind, opts: TrainOptions, out: Path, resume_from: Path | None, device, dist, main_rank: bool
) -> Path:
    seed_and_threads(opts.seed, device, dist.world if dist else 1)  # the same initial weights on every rank
    data = load_training_data(kind, opts)
    model_cfg = kind.make_config(data, opts.model_options)
    train_cfg = kind.train_config(**opts.train_overrides())
    if resume_from is not None:
        model_cfg, train_cfg = registry.configs_from_checkpoint(load_checkpoint(resume_from, kind=kind.name))
        train_cfg = replace(train_cfg, epochs=opts.epochs)
    train_cfg = replace(train_cfg, **opts.speed)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick the fastest kernels
    G, D = registry.build(kind.name, asdict(model_cfg))
    if opts.compile:
        G.compile()  # in place: checkpoints keep their plain parameter names
        D.compile()
    steps = kind.steps(model_cfg, train_cfg, data)
    batch_size = opts.batch_size or kind.batch_size
    batches = _batches(kind, data, opts, batch_size, device, dist)
    if dist is not None:
        # DDP averages gradients across ranks; D runs two forwards (real, fake) per backward: see wrap()
        G, D = wrap(G.to(device), dist), wrap(D.to(device), dist, broadcast_buffers=False)
        seed_and_threads(opts.seed + dist.rank, device, dist.world)  # each rank draws its own noise
    trainer = Trainer(
        G,
        D,
        batches,
        steps,
        train_cfg,
        callbacks=_callbacks(kind, opts, out, len(batches) * batch_size) if main_rank else [],
        device=device,
        progress=main_rank and not opts.quiet,
        kind=kind.name,
        model_config=model_cfg,
    )
    if resume_from is not None:
        try:
            trainer.load_checkpoint(resume_from)
        except (RuntimeError, KeyError, ValueError, TypeError) as e:
            raise GancourseError(
                f"{resume_from}'s weights do not fit the config stored with them "
                f"({str(e).strip().splitlines()[0][:160]}): resume from an earlier checkpoint "
                "or start a new run."
            ) from None
        if main_rank:
            print(f"resuming {resume_from} at epoch {trainer.epoch}, step {trainer.step}")
    if main_rank:
        ranks = (
            f" per process x {dist.world} processes (DDP, {'nccl' if device.type == 'cuda' else 'gloo'})"
            if dist
            else ""
        )
        print(
            f"training {kind.name} on {len(batches) * batch_size:,} images{ranks} ({data.source}) "
            f"for {train_cfg.epochs} epochs on {device}; writing to {out}/"
        )
    trainer.fit()
    if dist is not None:
        barrier_and_close()
        if not dist.main:
            return out
    _finish(kind, trainer, opts, out)
    return out


def _report_speed(trainer: Trainer, out: Path) -> None:
    """One line with the training speed (``speed.json`` keeps it, with the plans autotuning chose)."""
    timer = next((c for c in trainer.callbacks if isinstance(c, EpochTimer)), None)
    if timer is None or not timer.seconds:
        return
    speed = {**timer.summary(trainer), "precision": trainer.precision, "plans": trainer.speed_plans}
    (out / "speed.json").write_text(json.dumps(speed, indent=1), encoding="utf-8")
    which = "per epoch after the first" if speed["after_first_epoch"] else "in the only epoch (start-up included)"
    print(
        f"speed: {speed['images_per_s']:,.0f} images/s {which}; grids, checkpoints and history took "
        f"{100 * speed['callbacks_share']:.1f} % of the time"
    )


def _finish(kind: registry.ModelKind, trainer: Trainer, opts: TrainOptions, out: Path) -> None:
    """The run's last grid, loss curves and GIF; lesson 04's offline domains also get their evaluation table."""
    save_grid(trainer.sample_fixed(), out / "samples.png", nrow=trainer.steps.grid_nrow)
    if trainer.history:
        plot_history(trainer.history, out / "losses.png")
    print(f"wrote {out / 'samples.png'}, {out / 'losses.png'}, {progress_gif(out)} and {out / 'history.json'}")
    _report_speed(trainer, out)
    if kind.data == "domains" and not (opts.data.pix2pix or opts.data.folders):
        report = evaluate_translation(trainer.G, load_training_data(kind, opts, "test"))
        print(format_translation({kind.name: report}))
        (out / "evaluation.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    if kind.data == "pairs" and not opts.data.pix2pix:
        report = evaluate_one_way(trainer.G, load_training_data(kind, opts, "test"))
        print(format_translation({kind.name: report}))
        (out / "evaluation.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
