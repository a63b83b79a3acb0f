"""Lesson 06's critic: a plain score (no activation after its last layer), LeakyReLU, no BatchNorm."""

from __future__ import annotations

import torch

from ..common import (
    OK,
    build_module,
    describe,
    extreme_output,
    fail,
    kinds,
    logit_range,
    run_student,
    shaped_output,
)
from ..protocol import check, generator, tensor


def _probe_critic(seed: int, Critic) -> dict:
    torch.manual_seed(seed)
    D = build_module(Critic, "Critic").train()
    x = torch.rand(6, 1, 28, 28, generator=generator(seed)) * 2 - 1  # (6, 1, 28, 28)
    out = run_student("Critic.forward", D, x)
    report = {"out": out, "layers": describe(D)}
    if isinstance(out, torch.Tensor) and out.shape == (6,):
        report["extreme"] = extreme_output(D, "Critic", x)
        with torch.no_grad():
            report["alone"] = run_student("Critic.forward", D, x[2:3])
            report["again"] = run_student("Critic.forward", D, x)
    return report


@check(_probe_critic)
def check_critic(r: dict, seed: int) -> str:
    """The critic maps (N, 1, 28, 28) to (N,) unbounded scores, each sample on its own: no BatchNorm."""
    out = shaped_output(
        r["out"], "Critic", (6, 1, 28, 28), (6,), "one score per image: drop the size-1 dimension at the end."
    )
    if "BatchNorm2d" in kinds(r["layers"]) or "BatchNorm1d" in kinds(r["layers"]):
        fail(
            "the critic has BatchNorm: it mixes the samples of a batch, so the gradient penalty's per-sample "
            "gradients are no longer per sample.\nHint: build the blocks with bn=False (layer norm or none)."
        )
    logit_range(tensor(r, "extreme", "Critic's output"), "Critic")
    last = next((i for i, d in reversed(list(enumerate(r["layers"]))) if d["type"] in ("Linear", "Conv2d")), -1)
    after = [d["type"] for d in r["layers"][last + 1 :] if d["type"] in ("LeakyReLU", "ReLU", "Tanh", "Sigmoid", "ELU")]
    if after:
        fail(
            f"the critic's score passes through a {after[0]} after its last linear layer.\nHint: the score is the "
            "output of a linear read-out, unbounded and not bent: an activation there distorts the distance "
            "estimate."
        )
    if "LeakyReLU" not in kinds(r["layers"]):
        fail(
            "the critic has no LeakyReLU.\nHint: as in DCGAN's D, a leaky nonlinearity passes gradient for "
            "negative inputs too."
        )
    again, alone = tensor(r, "again", "Critic's output"), tensor(r, "alone", "Critic's output")
    if not torch.allclose(again, out.detach(), atol=1e-5) or not torch.allclose(alone, again[2:3], atol=1e-5):
        fail(
            "the critic's score of an image changes with the batch around it or from call to call.\n"
            "Hint: no BatchNorm and no Dropout in a critic."
        )
    return f"{OK} Critic: (N, 1, 28, 28) images -> (N,) scores, one sample at a time. Well done!"
