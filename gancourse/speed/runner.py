"""The speed options at work: fixed ones applied at once, the rest planned at the first step.

The trainer owns one :class:`StepRunner` and calls ``run`` for every step. It changes how a step
computes, never what, and never what a network is: algorithms are attached to layer instances
(``algorithms.py``; class, ``repr`` and parameters stay), memory layouts are the same tensors
stored differently, and bf16 autocast runs only when asked for (``TrainConfig.precision``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import torch
from torch import nn

from .algorithms import set_algorithms
from .autotune import Plan, machine, tune
from .options import channels_last, check_precision, check_speed_options, optimizer_state_like_parameters
from .timing import Recorder

Nets = dict[str, tuple[nn.Module, torch.optim.Optimizer]]  # "G", "D" or "G.AB"... -> (the plain network, its optimizer)


class StepRunner:
    """Runs training steps under ``cfg``'s speed options for networks ``G`` and ``D`` (plain modules) on ``device``."""

    def __init__(self, cfg, device: torch.device, G: nn.Module, D: nn.Module, distributed: bool = False):
        check_speed_options(cfg, device)
        self.cfg, self.device = cfg, device
        self.precision = check_precision(cfg.precision, device)
        for net in (G, D):
            if cfg.channels_last:
                net.to(memory_format=torch.channels_last)
        self.nhwc_batches = bool(cfg.channels_last)
        # an algorithm set by hand is applied at the first step, once checked on the layers' inputs;
        # "auto" is timed there too, except under DDP: every rank must compute alike, and timings differ between ranks
        forced = cfg.conv not in ("auto", "torch")
        self.pending = forced or (not distributed and (cfg.conv == "auto" or cfg.channels_last is None))
        self.measure = not distributed  # the trainer turns it off for runs too short to pay for the timing
        self.plans: dict[str, dict] = {}  # the plans in use, per network (stored in checkpoints)

    def run(self, step: Callable, batch, nets: Nets, say: Callable[[str], None] = print) -> dict:
        """``step(batch)`` under the options; while a plan is pending, the step is recorded and the plan made."""
        if self.nhwc_batches:
            batch = channels_last(batch)
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16")
        if not self.pending:
            with autocast:
                return step(batch)
        with Recorder({name: net for name, (net, _) in nets.items()}) as recorder, autocast:
            logs = step(batch)
        fixed = self.cfg.channels_last if self.cfg.channels_last is not None else (None if self.measure else False)
        formats = (False, True) if fixed is None else (fixed,)
        algorithm = None if self.cfg.conv == "auto" else self.cfg.conv
        self.use(tune(recorder, self.device, self.precision, formats, algorithm, self.measure, say), nets)
        return logs

    def use(self, plans: dict[str, Plan], nets: Nets) -> None:
        """Compute each network as its plan says (the same function, float rounding aside)."""
        for name, (net, opt) in nets.items():
            if name in plans:
                set_algorithms(net, plans[name].layers)
                if plans[name].channels_last:
                    net.to(memory_format=torch.channels_last)
                    optimizer_state_like_parameters(opt)
                self.plans[name] = asdict(plans[name])
        self.nhwc_batches = self.nhwc_batches or any(
            plan["channels_last"] for name, plan in self.plans.items() if name.split(".")[0] == "D"
        )  # D reads the batches
        self.pending = False

    def state_dict(self) -> dict:
        return {"machine": machine(), "plans": self.plans}

    def load_state_dict(self, state: dict | None, nets: Nets) -> None:
        """A checkpoint's plans, where they were measured on this machine: a resumed run computes as before."""
        state = state or {}
        if self.pending and state.get("plans") and state.get("machine") == machine():
            self.use({name: Plan(**plan) for name, plan in state["plans"].items()}, nets)
