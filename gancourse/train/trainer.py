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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from ..config import GancourseError
from ..utils import atomic_save, rng_state, set_rng_state
from .autotune import Plan, Recorder, machine, tune, worth_timing
from .checkpoint import FORMAT, fixed_inputs, load_checkpoint
from .convalgos import set_algorithms, use_algorithm
from .distributed import plain
from .ema import ema_with_warmup
from .progress import ProgressBar
from .speed import (
    channels_last,
    check_speed_options,
    optimizer_state_like_parameters,
    resolve_fused_adam,
    resolve_precision,
)
from .steps import Steps

Tensor = torch.Tensor


class TrainingDiverged(GancourseError):
    """A loss became NaN or infinite."""


@dataclass
class TrainConfig:
    epochs: int = 30
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5  # Radford et al.: 0.9 makes GAN training oscillate
    beta2: float = 0.999
    loss: str = "bce"  # a name from losses.LOSSES: what the registry builds the steps with
    d_steps: int = 1  # discriminator updates per generator update
    ema_decay: float = 0.0  # > 0 keeps an exponential moving average of G's weights
    log_every: int = 20  # steps between host syncs (history rows, NaN checks, progress bar)
    n_fixed: int = 64  # size of the fixed input batch used for every sample grid
    seed: int = 0
    update: str = "alternating"  # or "simultaneous": both gradients before either update (a different algorithm)
    # speed: the same maths computed faster, chosen for this machine unless set (speed.py, autotune.py)
    precision: str = "auto"  # bf16 autocast where the hardware has bf16 natively, else "fp32"
    fused_adam: bool | None = None  # None: Adam's fused kernel where this torch has one for the device
    conv: str = "auto"  # each convolution's algorithm: timed per layer ("auto"), or "torch", "phase", "dft"
    channels_last: bool | None = None  # NHWC layout for 4-D activations; None: timed per network


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


def make_optimizers(G: nn.Module, D: nn.Module, cfg: TrainConfig,
                    device: torch.device | None = None) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for each network with the DCGAN betas (0.5, 0.999); ``fused_adam`` picks the fused kernel."""
    betas = (cfg.beta1, cfg.beta2)
    device = device or next(G.parameters()).device
    extra = {"fused": True} if resolve_fused_adam(cfg.fused_adam, device) else {}
    return (torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=betas, **extra),
            torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=betas, **extra))


class Trainer:
    """``d_steps`` D updates per G update, batch after batch, through ``steps.step``.

    ``batches`` yields a batch per step each epoch (``(x, y)`` for the GAN steps); it may have
    ``state_dict(position)`` / ``load_state_dict`` for an exact mid-epoch resume. ``kind`` and
    ``model_config`` are stored in checkpoints so the networks can be rebuilt from the file.
    """

    def __init__(self, G: nn.Module, D: nn.Module, batches: Iterable, steps: Steps, cfg: TrainConfig | None = None, *,
                 optimizers: tuple | None = None, callbacks: Iterable[Callback] = (),
                 device: str | torch.device | None = None, progress: bool = True, kind: str = "custom",
                 model_config: Any = None):
        self.cfg = cfg or TrainConfig()
        self.device = torch.device(device) if device else getattr(batches, "device", torch.device("cpu"))
        check_speed_options(self.cfg, self.device)
        self.precision = resolve_precision(self.cfg.precision, self.device)
        self.G, self.D = G.to(self.device), D.to(self.device)
        self._fixed_speed_options()
        self.batches, self.steps = batches, steps
        self.opt_G, self.opt_D = optimizers or make_optimizers(self.G, self.D, self.cfg, self.device)
        self.callbacks = list(callbacks)
        self.progress, self.kind = progress, kind
        self.model_config = asdict(model_config) if model_config is not None else {}
        self.ema = None
        if self.cfg.ema_decay > 0:
            self.ema = AveragedModel(plain(self.G), avg_fn=ema_with_warmup(self.cfg.ema_decay), use_buffers=True)
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0  # position inside the epoch in progress (for mid-epoch resume)
        self.should_stop = False  # a callback sets it (e.g. TimeBudget); fit() stops after the current step
        self.history: list[dict] = []
        self.callback_seconds = 0.0  # wall time spent in callbacks (EpochTimer reports its share)
        generator = torch.Generator().manual_seed(self.cfg.seed + 12345)
        self.fixed = steps.fixed_inputs(self.cfg.n_fixed, generator, self.device)  # the same inputs in every grid

    # -- speed ----------------------------------------------------------------
    def _fixed_speed_options(self) -> None:
        """Apply the options set by hand now; "auto" ones are timed at the first step (``autotune.py``)."""
        nets = (plain(self.G), plain(self.D))
        if self.cfg.conv not in ("auto", "torch"):
            for net in nets:
                use_algorithm(net, self.cfg.conv)
        if self.cfg.channels_last:
            for net in nets:
                net.to(memory_format=torch.channels_last)
        self.nhwc_batches = bool(self.cfg.channels_last)
        wrapped = plain(self.G) is not self.G or plain(self.D) is not self.D  # DDP: every rank must compute alike
        self.tune_pending = not wrapped and (self.cfg.conv == "auto" or self.cfg.channels_last is None)
        self.speed: dict[str, dict] = {}  # the plans in use, per network (stored in checkpoints)
        self.measure_speed = True  # fit() turns it off for runs too short to pay for the timing

    def _tuned_step(self, batch, update_g: bool) -> dict[str, Tensor]:
        """The first step, recorded; then each network gets its fastest plan for this machine."""
        with Recorder({"G": plain(self.G), "D": plain(self.D)}) as recorder:
            logs = self._step(batch, update_g)
        formats = (False, True) if self.cfg.channels_last is None else (self.cfg.channels_last,)
        algorithm = None if self.cfg.conv == "auto" else self.cfg.conv
        say = print if self.progress else (lambda text: None)
        self.use_plans(tune(recorder, self.device, self.precision, formats, algorithm, self.measure_speed, say))
        return logs

    def use_plans(self, plans: dict[str, Plan]) -> None:
        """Compute each network as its plan says (the same function, float rounding aside)."""
        for name, net, opt in (("G", plain(self.G), self.opt_G), ("D", plain(self.D), self.opt_D)):
            if name in plans:
                set_algorithms(net, plans[name].layers)
                if plans[name].channels_last:
                    net.to(memory_format=torch.channels_last)
                    optimizer_state_like_parameters(opt)
                self.speed[name] = asdict(plans[name])
        self.nhwc_batches = self.nhwc_batches or bool(self.speed.get("D", {}).get("channels_last"))
        self.tune_pending = False

    # -- sampling -----------------------------------------------------------
    def sample_fixed(self, ema: bool = True) -> Tensor:
        """G (or its EMA) on the fixed inputs: comparable grids from epoch to epoch."""
        G = self.ema.module if (ema and self.ema is not None) else plain(self.G)
        return self.steps.sample(G, self.fixed)

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
        logs = self._tuned_step(batch, update_g) if self.tune_pending else self._step(batch, update_g)
        if update_g and self.ema is not None:
            self.ema.update_parameters(plain(self.G))
        return logs

    def _step(self, batch, update_g: bool) -> dict[str, Tensor]:
        if self.nhwc_batches:
            batch = channels_last(batch)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            return self.steps.step(self.G, self.D, self.opt_G, self.opt_D, batch, update_g)

    def fit(self, epochs: int | None = None) -> list[dict]:
        """Train until ``epochs`` (default ``cfg.epochs``) have passed in total; returns the history."""
        target = self.cfg.epochs if epochs is None else epochs
        steps_left = max(0, max(0, target - self.epoch) * len(self.batches) - self.batch_in_epoch)
        budget = min((c.time_budget for c in self.callbacks if getattr(c, "time_budget", None)), default=None)
        bar = ProgressBar(steps_left, budget, enabled=self.progress)
        self.measure_speed = self.measure_speed and worth_timing(steps_left, budget)
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
        return self.history

    # -- checkpoints --------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "config": self.model_config,
            "train_config": asdict(self.cfg),
            "G": plain(self.G).state_dict(),
            "D": plain(self.D).state_dict(),
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
            "speed": {"machine": machine(), "plans": self.speed},
        }

    def save_checkpoint(self, path: str | Path) -> Path:
        """Write the full training state atomically (temporary file, then rename)."""
        return atomic_save(self.state_dict(), path)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a :meth:`save_checkpoint` file so that :meth:`fit` continues exactly."""
        ckpt = load_checkpoint(path, map_location=self.device, kind=self.kind)
        plain(self.G).load_state_dict(ckpt["G"])
        plain(self.D).load_state_dict(ckpt["D"])
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
        speed = ckpt.get("speed") or {}
        if self.tune_pending and speed.get("plans") and speed.get("machine") == machine():
            self.use_plans({name: Plan(**plan) for name, plan in speed["plans"].items()})  # compute as before
