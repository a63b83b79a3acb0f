"""Lesson 01's two training steps, on a tiny MLP GAN both halves build from the same seed."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from ... import losses
from ...nets.mlp import MLPConfig, MLPDiscriminator, MLPGenerator
from ...train.steps import d_step as ref_d_step
from ...train.steps import g_step as ref_g_step
from ..common import (
    OK,
    attached_logs,
    close_enough,
    detached_logs,
    fail,
    garbage_grads,
    parameters_of,
    run_student,
    same_step,
    same_values,
)
from ..protocol import check, tensor


def _tiny_gan(seed: int):
    torch.manual_seed(seed)
    cfg = MLPConfig(z_dim=8, g_hidden=(16,), d_hidden=(16,))
    G, D = MLPGenerator(cfg), MLPDiscriminator(cfg)
    real = torch.rand(8, 1, 28, 28) * 2 - 1  # (8, 1, 28, 28)
    z = torch.randn(8, cfg.z_dim)  # (8, 8)
    return G, D, real, z


def _probe_d_step(seed: int, d_step) -> dict:
    G, D, real, z = _tiny_gan(seed)
    garbage_grads(D)
    opt = torch.optim.SGD(D.parameters(), lr=0.1)
    fake = G(z)  # (8, 1, 28, 28), still attached to G's graph, as the trainer passes it
    out = run_student("d_step", d_step, D, opt, real, fake, losses.d_loss_bce)
    grads_in_g = any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in G.parameters())
    return {"out": out, "grads_in_g": grads_in_g, "D": parameters_of(D), "attached": attached_logs(out)}


@check(_probe_d_step)
def check_d_step(r: dict, seed: int) -> str:
    """d_step zeroes D's gradients, detaches the fakes, and takes one step on D only."""
    G, D, real, z = _tiny_gan(seed)
    d_before = parameters_of(D)
    ref = ref_d_step(D, torch.optim.SGD(D.parameters(), lr=0.1), real, G(z), losses.d_loss_bce)
    out = r["out"]
    if not isinstance(out, dict) or "loss_D" not in out:
        fail(
            "d_step should return a dict with the key 'loss_D'.\nHint: the trainer logs what the step returns: a "
            "dict of "
            "detached 0-d tensors, one per logged quantity."
        )
    if r["grads_in_g"] is not False:
        fail(
            "D's loss sent gradients into G.\n"
            "Hint: cut the fakes from G's graph before D judges them: the D step must not touch the generator, "
            "and G's graph must stay intact for the G step."
        )
    for key, what in (("D(x)", "real"), ("D(G(z))", "fake")):
        if key not in out:
            fail(f"the returned dict has no {key!r} entry.\nHint: log the mean probability D gives the {what} batch.")
        if not close_enough(tensor(out, key, key), ref[key]):
            fail(
                f"{key} is {float(out[key]):.4f}, expected {float(ref[key]):.4f}.\n"
                f"Hint: {key} is a probability: the mean of sigmoid(logit) over the {what} batch, not of the logits."
            )
    if not close_enough(tensor(out, "loss_D", "loss_D"), ref["loss_D"]):
        fail(
            f"loss_D is {float(out['loss_D']):.4f}, expected {float(ref['loss_D']):.4f}.\n"
            "Hint: loss_D is the d_loss argument on D's logits for the two halves of the batch, as it was before "
            "the update."
        )
    same_step(
        r["D"],
        d_before,
        parameters_of(D),
        "D",
        seed,
        "PyTorch accumulates gradients: clear D's old ones first, and step only after back-propagating this loss.",
    )
    detached_logs("d_step", r["attached"])
    return f"{OK} d_step: zero_grad, detached fakes, one update of D only. Well done!"


def _probe_g_step(seed: int, g_step) -> dict:
    G, D, _, z = _tiny_gan(seed + 1)
    garbage_grads(G)
    opt = torch.optim.SGD(G.parameters(), lr=0.1)
    out = run_student("g_step", g_step, D, opt, G(z), losses.g_loss_nonsaturating)
    return {"out": out, "D": parameters_of(D), "G": parameters_of(G), "attached": attached_logs(out)}


@check(_probe_g_step)
def check_g_step(r: dict, seed: int) -> str:
    """g_step zeroes G's gradients and takes one non-saturating step on G through D."""
    G, D, _, z = _tiny_gan(seed + 1)
    d_before, g_before = parameters_of(D), parameters_of(G)
    with torch.no_grad():  # what a G loss with the wrong target (zeros) would report
        wrong_target = F.softplus(copy.deepcopy(D)(copy.deepcopy(G)(z))).mean()
    ref = ref_g_step(D, torch.optim.SGD(G.parameters(), lr=0.1), G(z), losses.g_loss_nonsaturating)
    out = r["out"]
    if not isinstance(out, dict) or "loss_G" not in out:
        fail(
            "g_step should return a dict with the key 'loss_G'.\nHint: the trainer logs what the step returns: a dict "
            "of detached 0-d tensors."
        )
    if not same_values(r["D"], d_before):
        fail("g_step changed D's weights.\nHint: only opt_G steps in the generator step.")
    if same_values(r["G"], g_before):
        fail(
            "g_step did not change G.\nHint: G learns only through D's judgement of the fakes: the gradient must "
            "flow from the loss back through D into G, and G's optimiser must take the step."
        )
    loss = tensor(out, "loss_G", "loss_G")
    if not close_enough(loss, ref["loss_G"]):
        msg = (
            f"loss_G is {float(loss):.4f}, expected {float(ref['loss_G']):.4f}.\n"
            "Hint: use the g_loss argument on D's logits for the fakes (G wants D to say 'real')."
        )
        if close_enough(loss, wrong_target, tol=1e-3):
            msg = "loss_G uses the wrong target label.\nHint: G wants D(G(z)) -> 1: compare with ones, not zeros."
        fail(msg)
    same_step(
        r["G"],
        g_before,
        parameters_of(G),
        "G",
        seed,
        "PyTorch accumulates gradients: clear G's old ones first, and step only after back-propagating this loss.",
    )
    detached_logs("g_step", r["attached"])
    return f"{OK} g_step: one non-saturating update of G through D. Well done!"
