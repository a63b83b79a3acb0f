"""One model-agnostic GAN trainer. Introduced in lesson 01; every later lesson reuses it.

The trainer receives the networks, a batch source and two step functions. It never
imports ``nets`` or ``data`` and does not know which lesson it runs:

* ``d_step(G, D, opt_D, real, z, d_loss[, y])`` does one discriminator update,
* ``g_step(G, D, opt_G, z, g_loss[, y])`` does one generator update,

where ``z`` is the generator's input: noise, or for translation models (``z_dim=None``)
the real batch itself,

and each returns a dict of 0-d tensors (the numbers to log). The trainer turns them
into Python floats only every ``log_every`` steps, so no step waits on the device.
Lesson 04 passes ``ModuleDict``s of two generators and two discriminators with its own
step functions, image pools as ``state`` and a ``sample_fn`` for its A->B->A grids; lesson 05 sets ``d_steps=2`` and ``ema_decay``. Sampling grids, GIFs
and evaluation attach as callbacks (see ``viz``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from .callbacks import Callback
from .config import GancourseError
from .dftconv import use_dft_convolutions
from .losses import get_loss
from .speed import _call, check_speed_options, simultaneous_step
from .utils import atomic_save, rng_state, set_rng_state

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
    loss: str = "bce"  # a name from losses.LOSSES
    d_steps: int = 1  # discriminator updates per generator update
    ema_decay: float = 0.0  # > 0 keeps an exponential moving average of G's weights
    log_every: int = 20  # steps between host syncs (history rows, NaN checks, progress bar)
    n_fixed: int = 64  # size of the fixed noise batch used for every sample grid
    seed: int = 0
    # speed options (off by default: the defaults are the algorithm the lessons teach)
    update: str = "alternating"  # or "simultaneous": one G(z) forward for both updates (a different algorithm)
    precision: str = "fp32"  # or "bf16": autocast on CUDA and on CPUs with native bf16
    channels_last: bool = False  # NHWC memory layout for 4-D activations
    fused_adam: bool = False  # Adam's fused kernel (one kernel per step instead of one per tensor)
    dft_conv: bool = False  # stride-1/2 convolutions on small maps computed in the DFT domain (dftconv.py)


# ------------------------------------------------------------------ the two steps


def d_step(G: nn.Module, D: nn.Module, opt_D, real: Tensor, z: Tensor, d_loss, y: Tensor | None = None) -> dict:
    """One discriminator update on a real batch and G(z).

    ``detach()`` cuts the graph at the fake images: D's loss must not send gradients into G.
    """
    opt_D.zero_grad(set_to_none=True)
    fake = _call(G, z, y).detach()  # (N, C, H, W), no path back into G
    real_logits = _call(D, real, y)  # (N,)
    fake_logits = _call(D, fake, y)  # (N,)
    loss = d_loss(real_logits, fake_logits)
    loss.backward()
    opt_D.step()
    return {
        "loss_D": loss.detach(),
        "D(x)": torch.sigmoid(real_logits.detach()).mean(),
        "D(G(z))": torch.sigmoid(fake_logits.detach()).mean(),
    }


def g_step(G: nn.Module, D: nn.Module, opt_G, z: Tensor, g_loss, y: Tensor | None = None) -> dict:
    """One generator update: gradients flow through D into G, but only G's optimizer steps."""
    opt_G.zero_grad(set_to_none=True)
    fake_logits = _call(D, _call(G, z, y), y)  # (N,)
    loss = g_loss(fake_logits)
    loss.backward()
    opt_G.step()
    return {"loss_G": loss.detach()}


def make_optimizers(G: nn.Module, D: nn.Module, cfg: TrainConfig) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for each network with the DCGAN betas (0.5, 0.999); ``fused_adam`` picks the fused kernel."""
    betas = (cfg.beta1, cfg.beta2)
    extra = {"fused": True} if cfg.fused_adam else {}
    return (torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=betas, **extra),
            torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=betas, **extra))




def ema_with_warmup(decay: float):
    """EMA update  avg <- d·avg + (1 - d)·param  with  d_n = min(decay, (1 + n) / (10 + n)).

    The warm-up keeps early updates from being drowned by the random initial weights: with a
    constant 0.999 the average would still be mostly initialisation after a few hundred steps.
    """

    def avg_fn(averaged: Tensor, current: Tensor, num_averaged: Tensor) -> Tensor:
        n = num_averaged.to(averaged.dtype) if torch.is_tensor(num_averaged) else torch.tensor(float(num_averaged))
        d = torch.clamp((1 + n) / (10 + n), max=decay)
        return d * averaged + (1 - d) * current

    return avg_fn


def plain(net: nn.Module) -> nn.Module:
    """The network inside a DistributedDataParallel wrapper (also inside a ModuleDict of them), else ``net``.

    Checkpoints, EMA and sampling use the plain network, so a checkpoint written by a
    ``torchrun`` job loads in a single process.
    """
    from torch.nn.parallel import DistributedDataParallel

    if isinstance(net, DistributedDataParallel):
        return net.module
    if isinstance(net, nn.ModuleDict) and any(isinstance(v, DistributedDataParallel) for v in net.values()):
        return nn.ModuleDict({k: plain(v) for k, v in net.items()})
    return net


@torch.no_grad()
def generate(G: nn.Module, *inputs: Tensor) -> Tensor:
    """Run G in eval mode (BatchNorm uses running statistics) and restore its mode afterwards."""
    was_training = G.training
    G.eval()
    try:
        return G(*inputs)
    finally:
        G.train(was_training)


# ------------------------------------------------------------------ the trainer


class Trainer:
    """Alternating GAN training: ``d_steps`` D updates, then one G update, batch after batch.

    ``batches`` yields ``(x, y)`` each epoch (``y`` None when unconditional). ``z_dim`` is
    the noise size (None for translation models, which take images instead of noise).
    ``fixed_labels`` makes the fixed sample grid conditional. ``fixed_inputs`` replaces the
    fixed noise (lesson 04: fixed A and B images), ``sample_fn(G, *inputs)`` replaces
    ``G(*inputs)`` for grids, and ``state`` names further objects with ``state_dict()`` /
    ``load_state_dict()`` (lesson 04's image pools) that belong in every checkpoint.
    """

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        batches: Iterable,
        cfg: TrainConfig | None = None,
        *,
        z_dim: int | None = None,
        fixed_labels: Tensor | None = None,
        d_step: Callable[..., dict] = d_step,
        g_step: Callable[..., dict] = g_step,
        loss=None,
        optimizers: tuple | None = None,
        callbacks: Iterable[Callback] = (),
        device: str | torch.device | None = None,
        progress: bool = True,
        kind: str = "custom",
        model_config: Any = None,
        fixed_inputs: tuple[Tensor, ...] | None = None,
        sample_fn: Callable[..., Tensor] | None = None,
        state: dict[str, Any] | None = None,
        grid_nrow: int | None = None,
    ):
        self.cfg = cfg or TrainConfig()
        self.device = torch.device(device) if device else getattr(batches, "device", torch.device("cpu"))
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.batches = batches
        self.z_dim = z_dim
        self.d_step_fn, self.g_step_fn = d_step, g_step
        self.loss = loss if loss is not None else get_loss(self.cfg.loss)
        check_speed_options(self.cfg, self.device)
        if self.cfg.dft_conv:
            use_dft_convolutions(plain(self.G))
            use_dft_convolutions(plain(self.D))
        if self.cfg.channels_last:
            self.G, self.D = self.G.to(memory_format=torch.channels_last), self.D.to(memory_format=torch.channels_last)
        self.opt_G, self.opt_D = optimizers or make_optimizers(self.G, self.D, self.cfg)
        self.callbacks = list(callbacks)
        self.progress = progress
        self.kind = kind
        self.model_config = asdict(model_config) if model_config is not None else {}
        self.ema = None
        if self.cfg.ema_decay > 0:
            self.ema = AveragedModel(plain(self.G), avg_fn=ema_with_warmup(self.cfg.ema_decay), use_buffers=True)
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0  # position inside the epoch in progress (for mid-epoch resume)
        self.should_stop = False  # a callback sets it (e.g. TimeBudget); fit() stops after the current step
        self.history: list[dict] = []
        noise = torch.Generator().manual_seed(self.cfg.seed + 12345)
        self.fixed_noise = None if z_dim is None else torch.randn(self.cfg.n_fixed, z_dim, generator=noise).to(self.device)
        self.fixed_labels = None if fixed_labels is None else fixed_labels.to(self.device)
        self.fixed_inputs = None if fixed_inputs is None else tuple(t.to(self.device) for t in fixed_inputs)
        self.sample_fn = sample_fn
        self.state = dict(state or {})
        self.grid_nrow = grid_nrow  # columns of the sample grids (None: square)

    # -- sampling -----------------------------------------------------------
    def sample_z(self, n: int) -> Tensor:
        return torch.randn(n, self.z_dim, device=self.device)  # (n, z_dim)

    def sample_fixed(self, ema: bool = True) -> Tensor:
        """G (or its EMA) on the fixed noise batch: comparable grids from epoch to epoch."""
        G = self.ema.module if (ema and self.ema is not None) else plain(self.G)
        if self.fixed_inputs is not None:
            inputs = self.fixed_inputs
        elif self.fixed_noise is None:
            raise GancourseError("this trainer has no fixed noise (z_dim=None): pass fixed_inputs, or sample yourself.")
        else:
            inputs = (self.fixed_noise,) if self.fixed_labels is None else (self.fixed_noise, self.fixed_labels)
        if self.sample_fn is not None:
            with torch.no_grad():
                return self.sample_fn(G, *inputs)
        return generate(G, *inputs)

    # -- training -----------------------------------------------------------
    def _emit(self, name: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, name)(self, *args)

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
            bar.set_postfix({k: f"{v:.3f}" for k, v in values.items()}, refresh=False)
        self._emit("on_log", row)

    def fit(self, epochs: int | None = None) -> list[dict]:
        """Train until ``epochs`` (default ``cfg.epochs``) have passed in total; returns the history."""
        from tqdm.auto import tqdm

        target = self.cfg.epochs if epochs is None else epochs
        steps_left = max(0, max(0, target - self.epoch) * len(self.batches) - self.batch_in_epoch)
        bar = tqdm(total=steps_left, disable=not self.progress, desc="training", leave=True)
        self.should_stop = False
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.cfg.precision == "bf16")
        self._emit("on_fit_start")
        sums: dict[str, Tensor] = {}
        counts: dict[str, int] = {}
        try:
            while self.epoch < target:
                for x, y in self.batches:
                    if self.cfg.channels_last and torch.is_tensor(x) and x.ndim == 4:
                        x = x.contiguous(memory_format=torch.channels_last)  # (N, C, H, W) stored as NHWC
                    extra = {} if y is None else {"y": y}
                    z = x if self.z_dim is None else self.sample_z(len(y) if y is not None else _batch_len(x))
                    with autocast:
                        if self.cfg.update == "simultaneous":
                            logs = simultaneous_step(self.G, self.D, self.opt_G, self.opt_D, x, z, self.loss, **extra)
                            g_updated = True
                        else:
                            logs = self.d_step_fn(self.G, self.D, self.opt_D, x, z, self.loss.d, **extra)
                            g_updated = (self.step + 1) % self.cfg.d_steps == 0
                            if g_updated:
                                logs = {**logs, **self.g_step_fn(self.G, self.D, self.opt_G, z, self.loss.g, **extra)}
                    if g_updated and self.ema is not None:
                        self.ema.update_parameters(plain(self.G))
                    for k, v in logs.items():
                        sums[k] = sums[k] + v if k in sums else v
                        counts[k] = counts.get(k, 0) + 1
                    self.step += 1
                    self.batch_in_epoch += 1
                    bar.update(1)
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
            "fixed_noise": self.fixed_noise,
            "fixed_labels": self.fixed_labels,
            "fixed_inputs": self.fixed_inputs,
            "state": {name: obj.state_dict() for name, obj in self.state.items()},
            "history": self.history,
        }

    def save_checkpoint(self, path: str | Path) -> Path:
        """Write the full training state atomically (temporary file, then rename)."""
        return atomic_save(self.state_dict(), path)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a :meth:`save_checkpoint` file so that :meth:`fit` continues exactly."""
        ckpt = load_checkpoint(path, map_location=self.device)
        if ckpt["kind"] != self.kind:
            raise GancourseError(f"{path} holds a {ckpt['kind']!r} model, not {self.kind!r}: pick the matching run.")
        plain(self.G).load_state_dict(ckpt["G"])
        plain(self.D).load_state_dict(ckpt["D"])
        self.opt_G.load_state_dict(ckpt["opt_G"])
        self.opt_D.load_state_dict(ckpt["opt_D"])
        if self.ema is not None and ckpt["ema"] is not None:
            self.ema.load_state_dict(ckpt["ema"])
        self.step, self.epoch, self.history = ckpt["step"], ckpt["epoch"], list(ckpt["history"])
        self.batch_in_epoch = ckpt.get("batch_in_epoch", 0)
        self.fixed_noise, self.fixed_labels = ckpt["fixed_noise"], ckpt["fixed_labels"]
        if ckpt.get("fixed_inputs") is not None:
            self.fixed_inputs = tuple(ckpt["fixed_inputs"])
        for name, obj in self.state.items():
            if name in ckpt.get("state", {}):
                obj.load_state_dict(ckpt["state"][name])
        if ckpt["batches"] is not None and hasattr(self.batches, "load_state_dict"):
            self.batches.load_state_dict(ckpt["batches"])
        set_rng_state(ckpt["rng"])


def _batch_len(x) -> int:
    return len(x[0]) if isinstance(x, (tuple, list)) else len(x)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint safely (``weights_only=True``: no code from the file runs)."""
    path = Path(path)
    if not path.is_file():
        raise GancourseError(f"no checkpoint at {path}: check the path (runs live under runs/<name>/).")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise GancourseError(f"{path} is not a readable gancourse checkpoint ({type(e).__name__}): {e}".splitlines()[0]) from None
    if not isinstance(ckpt, dict) or "G" not in ckpt or "kind" not in ckpt:
        raise GancourseError(f"{path} is not a gancourse checkpoint (no 'kind'/'G' entries).")
    return ckpt
