"""Things that happen around training: checkpoints, time budgets, history files, TensorBoard.

Introduced in lesson 02. The hook protocol (:class:`Callback`) belongs to the trainer; these are
its ready-made implementations. Saving only at ``on_log`` and epoch ends means every checkpoint
holds weights whose losses were checked to be finite.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import torch

from ..config import GancourseError
from ..utils import atomic_save, atomic_write_text
from .trainer import Callback, Trainer


class Checkpoint(Callback):
    """Save ``folder/ckpt-<step>.pt`` every ``every_steps`` steps (at the next log row), every
    ``every_epochs`` epochs and at the end, keeping the newest ``keep`` files.

    During training the file is written by a background thread from a CPU copy of the state, so a
    fast GPU epoch does not wait for pickling and the disk; writes happen one at a time, in order,
    and ``fit`` waits for the last one before it returns (or raises).
    """

    def __init__(self, folder: str | Path, every_epochs: int | None = 1, every_steps: int | None = None, keep: int = 3):
        self.folder, self.every_epochs, self.every_steps, self.keep = Path(folder), every_epochs, every_steps, keep
        self._last = -1
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def save(self, trainer: Trainer, wait: bool = True) -> Path:
        """Write a checkpoint of ``trainer`` now (``wait=False``: in the background, from a snapshot)."""
        path = self.folder / f"ckpt-{trainer.step:08d}.pt"
        if trainer.step != self._last or not path.exists():
            self.wait()  # the previous write first: in order, and its error (if any) surfaces here
            self._last = trainer.step
            if wait:
                self._write(path, trainer.save_checkpoint)
            else:
                state = on_cpu(trainer.state_dict())  # a copy: training goes on changing the live tensors
                self._pool = self._pool or ThreadPoolExecutor(1, thread_name_prefix="gancourse-checkpoint")
                self._pending = self._pool.submit(self._write, path, lambda p: atomic_save(state, p))
        return path

    def _write(self, path: Path, write) -> None:
        try:
            write(path)
        except OSError as e:
            if e.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            good = sorted(self.folder.glob("ckpt-*.pt"))
            raise GancourseError(
                f"no space left on device in {self.folder}; the last good checkpoint is "
                f"{good[-1] if good else 'none yet'}: free some space, then resume with --resume."
            ) from None
        for old in sorted(self.folder.glob("ckpt-*.pt"))[: -self.keep]:
            old.unlink()

    def wait(self) -> None:
        """Block until the background write (if any) is on disk; re-raises its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def on_fit_start(self, trainer: Trainer) -> None:
        self._last = trainer.step

    def on_log(self, trainer: Trainer, row: dict) -> None:
        if self.every_steps and trainer.step - self._last >= self.every_steps:
            self.save(trainer, wait=False)

    def on_epoch_end(self, trainer: Trainer) -> None:
        if self.every_epochs and trainer.epoch % self.every_epochs == 0:
            self.save(trainer, wait=False)

    def on_fit_end(self, trainer: Trainer) -> None:
        self.save(trainer, wait=False)
        self.wait()

    def on_fit_exit(self, trainer: Trainer) -> None:
        """After an error too: the last checkpoint reaches the disk before the error goes on."""
        try:
            self.wait()
        except GancourseError as e:
            print(f"gancourse: {e}", file=sys.stderr)


def on_cpu(obj):
    """``obj`` with every tensor copied to the CPU (dicts, lists and tuples walked; a ``state_dict``
    keeps its type and the ``_metadata`` that ``load_state_dict`` reads layer versions from)."""
    if torch.is_tensor(obj):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        copied = type(obj)((k, on_cpu(v)) for k, v in obj.items())
        if hasattr(obj, "_metadata"):
            copied._metadata = obj._metadata
        return copied
    if isinstance(obj, (list, tuple)):
        return type(obj)(on_cpu(v) for v in obj)
    return obj


class TimeBudget(Callback):
    """Stop training after ``seconds`` of wall time (checked at every log row): "train for 10 minutes"."""

    def __init__(self, seconds: float):
        self.seconds = self.time_budget = seconds  # the trainer's bar shows time spent out of it
        self.start = 0.0

    def on_fit_start(self, trainer: Trainer) -> None:
        self.start = time.perf_counter()

    def on_log(self, trainer: Trainer, row: dict) -> None:
        if time.perf_counter() - self.start >= self.seconds:
            trainer.should_stop = True


class EpochTimer(Callback):
    """Wall time per epoch, and the share spent in the other callbacks: the speed a user meets.

    Put it last, so that each epoch's time includes the grids and checkpoints written at its end.
    The first epoch also pays for start-up (allocation, autotuning): ``summary()`` leaves it out.
    """

    def __init__(self, images_per_epoch: int):
        self.images_per_epoch = images_per_epoch
        self.seconds: list[float] = []
        self._last = self._start = 0.0
        self._callbacks_at_start = 0.0

    def on_fit_start(self, trainer: Trainer) -> None:
        self._last = self._start = time.perf_counter()
        self._callbacks_at_start = trainer.callback_seconds

    def on_epoch_end(self, trainer: Trainer) -> None:
        now = time.perf_counter()
        self.seconds.append(now - self._last)
        self._last = now

    def summary(self, trainer: Trainer) -> dict:
        """Images/s over the epochs after the first (over the first when there is only one)."""
        steady = self.seconds[1:] or self.seconds
        total = time.perf_counter() - self._start
        return {
            "images_per_epoch": self.images_per_epoch,
            "epoch_seconds": [round(s, 3) for s in self.seconds],
            "images_per_s": round(self.images_per_epoch * len(steady) / sum(steady), 1) if steady else None,
            "after_first_epoch": len(self.seconds) > 1,
            "callbacks_share": round((trainer.callback_seconds - self._callbacks_at_start) / total, 4)
            if total
            else 0.0,
        }


def save_history(history: list[dict], path: str | Path) -> Path:
    """Write the history as JSON (``.json``) or CSV (``.csv``), atomically."""
    path = Path(path)
    if path.suffix == ".csv":
        keys = list(dict.fromkeys(k for row in history for k in row))
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=keys)
        writer.writeheader()
        writer.writerows(history)
        return atomic_write_text(path, text.getvalue())
    if path.suffix == ".json":
        return atomic_write_text(path, json.dumps(history, indent=1))
    raise ValueError(f"history file {path} must end in .json or .csv")


class HistoryFile(Callback):
    """Keep ``path`` (JSON or CSV) up to date with the history after every epoch."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def on_epoch_end(self, trainer: Trainer) -> None:
        save_history(trainer.history, self.path)

    on_fit_end = on_epoch_end


class TensorBoard(Callback):
    """Log every history row to TensorBoard when the ``tensorboard`` package is installed.

    Without it, this callback prints one note and does nothing: TensorBoard is never required.
    """

    def __init__(self, log_dir: str | Path):
        self.log_dir = Path(log_dir)
        self.writer = None

    def on_fit_start(self, trainer: Trainer) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter  # lazy: optional dependency
        except ImportError:
            print("gancourse: tensorboard is not installed (pip install tensorboard); logging to the history only.")
            return
        self.writer = SummaryWriter(str(self.log_dir))

    def on_log(self, trainer: Trainer, row: dict) -> None:
        if self.writer is not None:
            for k, v in row.items():
                if k not in ("step", "epoch"):
                    self.writer.add_scalar(k, v, row["step"])

    def on_fit_end(self, trainer: Trainer) -> None:
        if self.writer is not None:
            self.writer.close()
