"""One model-agnostic GAN trainer. Introduced in lesson 01; every later lesson reuses it.

The trainer receives two networks, a batch source and a steps object (``steps.Steps``). It
never imports ``nets`` or ``data`` and does not know which lesson it runs: per batch it asks
the steps object for one training step, and for its sample grids it asks it for fixed inputs
(drawn once, kept in checkpoints) and for images. The step returns a dict of 0-d tensors; the
trainer turns them into Python floats only every ``log_every`` steps, so no step waits on the
device. It keeps the optimizers, the EMA of G, the counters, the history and the checkpoints.
Sampling grids, GIFs, time budgets and evaluation attach as callbacks (:class:`Callback`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from ..config import GancourseError
from ..speed import StepRunner, worth_timing
from ..utils import atomic_save, rng_state, set_rng_state
from .checkpoint import FORMAT, fixed_inputs, load_checkpoint
from .distributed import unwrap_ddp
from .ema import ema_with_warmup
from .options import TrainConfig, make_optimizers
from .progress import ProgressBar
from .steps import Steps

Tensor = torch.Tensor


class TrainingDiverged(GancourseError):
    """A loss became NaN or infinite."""


class Callback:
    """The trainer's hooks; override any of them. Each receives the trainer.

    A callback that ends training after a wall-clock budget sets ``time_budget`` (seconds): the
    progress bar then shows time spent instead of steps.
    """

    time_budget: float | None = None

    def on_fit_start(self, trainer: Trainer) -> None: ...
    def on_log(self, trainer: Trainer, row: dict) -> None: ...  # after each verified history row
    def on_epoch_end(self, trainer: Trainer) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None: ...
    def on_fit_exit(self, trainer: Trainer) -> None: ...  # always, after on_fit_end or an error: let go of resources


class Trainer:
    """``d_steps`` D updates per G update, batch after batch, through ``steps.step``.

    ``batches`` yields a batch per step each epoch (``(x, y)`` for the GAN steps); it may have
    ``state_dict(position)`` / ``load_state_dict`` for an exact mid-epoch resume. ``kind`` and
    ``model_config`` are stored in checkpoints so the networks can be rebuilt from the file.
    """

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        batches: Iterable,
        steps: Steps,
        cfg: TrainConfig | None = None,
        *,
        optimizers: tuple | None = None,
        callbacks: Iterable[Callback] = (),
        device: str | torch.device | None = None,
        progress: bool = True,
        kind: str = "custom",
        model_config: Any = None,
    ):
        self.cfg = cfg or TrainConfig()
        self.device = torch.device(device) if device else getattr(batches, "device", torch.device("cpu"))
        self.G, self.D = G.to(self.device), D.to(self.device)
        wrapped = unwrap_ddp(self.G) is not self.G or unwrap_ddp(self.D) is not self.D
        self.runner = StepRunner(self.cfg, self.device, unwrap_ddp(self.G), unwrap_ddp(self.D), distributed=wrapped)
        self.batches, self.steps = batches, steps
        self.opt_G, self.opt_D = optimizers or make_optimizers(self.G, self.D, self.cfg, self.device)
        self.callbacks = list(callbacks)
        self.progress, self.kind = progress, kind
        self.model_config = asdict(model_config) if model_config is not None else {}
        self.ema = None
        if self.cfg.ema_decay > 0:
            self.ema = AveragedModel(unwrap_ddp(self.G), avg_fn=ema_with_warmup(self.cfg.ema_decay), use_buffers=True)
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0  # position inside the epoch in progress (for mid-epoch resume)
        self.should_stop = False  # a callback sets it (e.g. TimeBudget); fit() stops after the current step
        self.history: list[dict] = []
        self.callback_seconds = 0.0  # wall time spent in callbacks (EpochTimer reports its share)
        generator = torch.Generator().manual_seed(self.cfg.seed + 12345)
        self.fixed = steps.fixed_inputs(self.cfg.n_fixed, generator, self.device)  # the same inputs in every grid

    # -- speed ----------------------------------------------------------------
    @property
    def precision(self) -> str:
        return self.runner.precision

    @property
    def speed_plans(self) -> dict[str, dict]:
        """The plans autotuning chose, per network ({} before the first step or when nothing was timed)."""
        return self.runner.plans

    def _nets(self) -> dict:
        """The networks autotuning plans for: G and D, or each network of a ``ModuleDict`` (lesson 04's "G.AB")."""
        nets = {}
        for name, net, opt in (("G", unwrap_ddp(self.G), self.opt_G), ("D", unwrap_ddp(self.D), self.opt_D)):
            parts = net.items() if isinstance(net, nn.ModuleDict) else [("", net)]
            nets.update({f"{name}.{key}" if key else name: (part, opt) for key, part in parts})
        return nets

    # -- sampling -----------------------------------------------------------
    def sampler(self, ema: bool = True) -> nn.Module:
        """The generator that samples: the EMA of G's weights where the run keeps one (and ``ema``), else G."""
        return self.ema.module if (ema and self.ema is not None) else unwrap_ddp(self.G)

    def sample_fixed(self, ema: bool = True) -> Tensor:
        """G (or its EMA) on the fixed inputs: comparable grids from epoch to epoch."""
        return self.steps.sample(self.sampler(ema), self.fixed)

    # -- training -----------------------------------------------------------
    def _emit(self, name: str, *args) -> None:
        for cb in self.callbacks:
            start = time.perf_counter()
            getattr(cb, name)(self, *args)
            self.callback_seconds += time.perf_counter() - start  # grids, checkpoints: what bookkeeping costs

    def _log(self, sums: dict[str, Tensor], counts: dict[str, int], bar) -> None:
        values = {k: (v / counts[k]).item() for k, v in sums.items()}
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            raise TrainingDiverged(
                f"{', '.join(bad)} became {values[bad[0]]} at step {self.step} (epoch {self.epoch}): "
                "lower the learning rate or check the losses; the last saved checkpoint is intact."
            )
        row = {"step": self.step, "epoch": self.epoch, **values}
        self.history.append(row)
        if bar is not None:
            bar.show(self.step, values)
        self._emit("on_log", row)

    def train_step(self, batch) -> dict[str, Tensor]:
        """One step on one batch: D always, G every ``d_steps``-th step (and its EMA after it)."""
        update_g = self.cfg.update == "simultaneous" or (self.step + 1) % self.cfg.d_steps == 0
        run_step = lambda b: self.steps.step(self.G, self.D, self.opt_G, self.opt_D, b, update_g)  # noqa: E731
        logs = self.runner.run(run_step, batch, self._nets(), print if self.progress else (lambda text: None))
        if update_g and self.ema is not None:
            self.ema.update_parameters(unwrap_ddp(self.G))
        return logs

    def fit(self, epochs: int | None = None) -> list[dict]:
        """Train until ``epochs`` (default ``cfg.epochs``) have passed in total; returns the history."""
        target = self.cfg.epochs if epochs is None else epochs
        steps_left = max(0, max(0, target - self.epoch) * len(self.batches) - self.batch_in_epoch)
        budget = min((c.time_budget for c in self.callbacks if getattr(c, "time_budget", None)), default=None)
        bar = ProgressBar(steps_left, budget, enabled=self.progress)
        self.runner.measure = self.runner.measure and worth_timing(steps_left, budget)
        self.should_stop = False
        self._emit("on_fit_start")
        sums: dict[str, Tensor] = {}
        counts: dict[str, int] = {}
        try:
            while self.epoch < target:
                for batch in self.batches:
                    for k, v in self.train_step(batch).items():
                        sums[k] = sums[k] + v if k in sums else v
                        counts[k] = counts.get(k, 0) + 1
                    self.step += 1
                    self.batch_in_epoch += 1
                    bar.advance()
                    if self.step % self.cfg.log_every == 0:
                        self._log(sums, counts, bar)
                        sums, counts = {}, {}
                    if self.should_stop:
                        break
                if sums:
                    self._log(sums, counts, bar)
                    sums, counts = {}, {}
                if self.should_stop:
                    break
                self.epoch += 1
                self.batch_in_epoch = 0
                self._emit("on_epoch_end")
            self._emit("on_fit_end")
        finally:
            bar.close()
            for cb in self.callbacks:
                getattr(cb, "on_fit_exit", lambda trainer: None)(self)
        return self.history

    # -- checkpoints --------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "config": self.model_config,
            "train_config": asdict(self.cfg),
            "G": unwrap_ddp(self.G).state_dict(),
            "D": unwrap_ddp(self.D).state_dict(),
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict(),
            "ema": None if self.ema is None else self.ema.state_dict(),
            "step": self.step,
            "epoch": self.epoch,
            "rng": rng_state(),
            "batch_in_epoch": self.batch_in_epoch,
            "batches": self.batches.state_dict(self.batch_in_epoch) if hasattr(self.batches, "state_dict") else None,
            "fixed_inputs": self.fixed,
            "fixed_noise": self.fixed[0],  # the fixed noise batch (lesson 04: the fixed A images)
            "state": self.steps.state_dict(),
            "history": self.history,
            "speed": self.runner.state_dict(),
        }

    def save_checkpoint(self, path: str | Path) -> Path:
        """Write the full training state atomically (temporary file, then rename)."""
        return atomic_save(self.state_dict(), path)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a :meth:`save_checkpoint` file so that :meth:`fit` continues exactly."""
        ckpt = load_checkpoint(path, map_location=self.device, kind=self.kind)
        unwrap_ddp(self.G).load_state_dict(ckpt["G"])
        unwrap_ddp(self.D).load_state_dict(ckpt["D"])
        self.opt_G.load_state_dict(ckpt["opt_G"])
        self.opt_D.load_state_dict(ckpt["opt_D"])
        if self.ema is not None and ckpt["ema"] is not None:
            self.ema.load_state_dict(ckpt["ema"])
        self.step, self.epoch, self.history = ckpt["step"], ckpt["epoch"], list(ckpt["history"])
        self.batch_in_epoch = ckpt.get("batch_in_epoch", 0)
        self.fixed = fixed_inputs(ckpt) or self.fixed
        self.steps.load_state_dict(ckpt.get("state") or {})
        if ckpt["batches"] is not None and hasattr(self.batches, "load_state_dict"):
            self.batches.load_state_dict(ckpt["batches"])
        set_rng_state(ckpt["rng"])
        self.runner.load_state_dict(ckpt.get("speed"), self._nets())  # compute as the saved run did
