"""Lesson 06's critic step."""

from __future__ import annotations

import torch
from torch import nn

from ... import losses
from ...train.wasserstein import critic_step as ref_critic_step
from ..common import (
    OK,
    STEP_TOLERANCE,
    attached_logs,
    close_enough,
    detached_logs,
    fail,
    garbage_grads,
    parameters_of,
    run_student,
    step_mismatch,
)
from ..protocol import check


def _tiny(seed: int):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(4, 8), nn.Unflatten(1, (2, 2, 2)))  # z (6, 4) -> (6, 2, 2, 2)
    D = nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Flatten(0))  # (6,)
    real, z = torch.rand(6, 2, 2, 2) * 2 - 1, torch.randn(6, 4)
    return G, D, real, z


class _Spy:
    """The library's penalty, counting its calls and whether the fakes it got still led into G."""

    def __init__(self):
        self.calls, self.fake_attached = 0, False

    def __call__(self, D, real, fake, weight: float = 10.0):
        self.calls += 1
        self.fake_attached |= bool(fake.requires_grad)
        return losses.gradient_penalty(D, real, fake, weight)


def _reference(seed: int, stale: bool = False) -> tuple[dict, list[torch.Tensor]]:
    G, D, real, z = _tiny(seed)
    if stale:
        garbage_grads(D)
    torch.manual_seed(seed + 1)  # the interpolation's eps: the same draws as in the probe
    logs = ref_critic_step(D, torch.optim.SGD(D.parameters(), lr=0.1), real, G(z), losses.d_loss_wasserstein)
    return logs, parameters_of(D)


def _probe_critic_step(seed: int, critic_step) -> dict:
    G, D, real, z = _tiny(seed)
    garbage_grads(D)
    spy = _Spy()
    fake = G(z)  # attached to G's graph, as the trainer passes it
    torch.manual_seed(seed + 1)
    out = run_student(
        "critic_step",
        critic_step,
        D,
        torch.optim.SGD(D.parameters(), lr=0.1),
        real,
        fake,
        losses.d_loss_wasserstein,
        spy,
    )
    grads_in_g = any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in G.parameters())
    return {
        "out": out,
        "D": parameters_of(D),
        "calls": spy.calls,
        "fake_attached": spy.fake_attached,
        "grads_in_g": grads_in_g,
        "attached": attached_logs(out),
    }


@check(_probe_critic_step)
def check_critic_step(r: dict, seed: int) -> str:
    """critic_step: zero_grad, detached fakes, Wasserstein loss plus the penalty, one step on the critic only."""
    out = r["out"]
    if not isinstance(out, dict) or not {"loss_D", "W"} <= set(out):
        fail(
            "critic_step should return a dict with 'loss_D' and 'W'.\n"
            "Hint: the trainer logs the step's total loss, the critic's distance estimate W and the penalty, as "
            "detached "
            "0-d tensors."
        )
    if r["calls"] != 1:
        fail(
            f"the penalty was called {r['calls']} times in one critic step.\n"
            "Hint: one critic step evaluates the penalty argument once, as part of the loss it back-propagates."
        )
    if r["grads_in_g"] or r["fake_attached"]:
        fail(
            "the critic's update sent gradients into G.\nHint: cut the fakes from G's graph before the critic and "
            "the penalty see them."
        )
    ref_logs, ref_params = _reference(seed)
    before = parameters_of(_tiny(seed)[1])
    worst, size = step_mismatch(r["D"], before, ref_params)
    if worst > STEP_TOLERANCE * max(size, 1e-12):
        stale_worst, _ = step_mismatch(r["D"], before, _reference(seed, stale=True)[1])
        if stale_worst <= STEP_TOLERANCE * max(size, 1e-12):
            fail(
                "the critic's gradients from an earlier step were added in.\nHint: PyTorch accumulates gradients: "
                "clear the critic's old ones first."
            )
        fail(
            f"the critic's weights after one step differ from one SGD step on L_critic + penalty (seed {seed}: "
            f"largest difference {worst:.2e} for a step of {size:.2e}).\n"
            "Hint: PyTorch accumulates gradients, so clear the old ones; then the critic minimises its "
            "Wasserstein loss "
            "plus the penalty, both on this batch, in one gradient step."
        )
    if not close_enough(out["W"], ref_logs["W"]):
        fail(
            f"'W' is {float(out['W']):.4f}, expected E f(x) - E f(G(z)) = {float(ref_logs['W']):.4f}.\n"
            "Hint: W is minus the Wasserstein part of the critic's loss, without the penalty."
        )
    detached_logs("critic_step", r["attached"])
    return f"{OK} critic_step: one update of the critic on L_critic + penalty, G untouched. Well done!"
