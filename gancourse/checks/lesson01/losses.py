"""Lesson 01's losses: the BCE pair from logits, numerically stable, and a mean over the batch (hidden)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ... import losses
from ..common import OK, close_enough, fail, run_student
from ..protocol import check, generator, tensor


def logits(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Real and fake test logits, (3,) each: fixed in notebooks, drawn from ``seed`` when grading."""
    if seed == 0:
        return torch.tensor([2.0, -1.0, 0.5]), torch.tensor([-3.0, 0.0, 1.0])
    g = generator(seed)
    return torch.randn(3, generator=g) * 2, torch.randn(3, generator=g) * 2


# Logits D is very sure about, where log(sigmoid(s)) computed in two steps underflows in float32.
CONFIDENT_REAL, CONFIDENT_FAKE = torch.tensor([-120.0, 3.0]), torch.tensor([40.0, -3.0])


def _probe_d_loss(seed: int, d_loss) -> dict:
    real, fake = logits(seed)
    got = run_student("d_loss", d_loss, real.requires_grad_(), fake)
    return {
        "value": got,
        "requires_grad": bool(getattr(got, "requires_grad", False)),
        "confident": run_student("d_loss", d_loss, CONFIDENT_REAL.clone(), CONFIDENT_FAKE.clone()),
    }


def _stable(got, want: torch.Tensor, what: str) -> None:
    """Verdict: the loss must stay right for logits far from 0 (a sigmoid then a log loses them to rounding)."""
    if not isinstance(got, torch.Tensor) or got.numel() != 1 or not close_enough(got, want):
        fail(
            f"{what} is right for moderate logits but gives "
            f"{float(got) if isinstance(got, torch.Tensor) and got.numel() == 1 else got} "
            f"instead of {float(want):.1f} when D is very sure (logits -120 and 40): probabilities that round to "
            "exactly 0 or 1 in float32 make the log saturate.\nHint: numerical stability: log sigmoid(s) must be "
            "computed from the logit in one stable expression (the log-sum-exp form), never as a probability first."
        )


@check(_probe_d_loss)
def check_d_loss(r: dict, seed: int) -> str:
    """d_loss(real_logits, fake_logits) = -mean log D(x) - mean log(1 - D(G(z)))."""
    real, fake = logits(seed)
    got = tensor(r, "value", "d_loss's result")
    if got.ndim != 0:
        fail("d_loss should return one number as a 0-d tensor.\nHint: average with .mean() (BCE does by default).")
    want = losses.d_loss_bce(real, fake)
    if not close_enough(got, want):
        if close_enough(got, F.softplus(real).mean() + F.softplus(-fake).mean()):
            fail("the labels are swapped.\nHint: real images have target 1 (torch.ones_like), fakes target 0.")
        if close_enough(got, want / 2):
            fail("you averaged the two terms.\nHint: add the real and the fake BCE terms (do not divide by 2).")
        if close_enough(
            got,
            F.binary_cross_entropy_with_logits(torch.sigmoid(real), torch.ones(3))
            + F.binary_cross_entropy_with_logits(torch.sigmoid(fake), torch.zeros(3)),
        ):
            fail("a sigmoid is applied before BCE-with-logits.\nHint: pass the logits straight in.")
        fail(
            f"d_loss gave {float(got):.4f} for our test logits, expected {float(want):.4f}.\n"
            "Hint: L_D = -mean log D(x) - mean log(1 - D(G(z))) with D = sigmoid(logit): two binary cross-entropies, "
            "one per half of the batch, each against that half's label."
        )
    _stable(r["confident"], losses.d_loss_bce(CONFIDENT_REAL, CONFIDENT_FAKE), "d_loss")
    if r["requires_grad"] is not True:
        fail("d_loss's result has no gradient.\nHint: don't call .item(), .detach() or torch.no_grad() inside it.")
    return f"{OK} d_loss matches -E[log D(x)] - E[log(1 - D(G(z)))] = {float(want):.4f} on the test logits."


def _probe_g_loss(seed: int, g_loss) -> dict:
    return {
        "value": run_student("g_loss", g_loss, logits(seed)[1].requires_grad_()),
        "confident": run_student("g_loss", g_loss, CONFIDENT_REAL.clone()),
    }


@check(_probe_g_loss)
def check_g_loss(r: dict, seed: int) -> str:
    """g_loss(fake_logits) = -mean log D(G(z)), the non-saturating generator loss."""
    fake = logits(seed)[1]
    got = tensor(r, "value", "g_loss's result")
    if got.ndim != 0:
        fail("g_loss should return one number as a 0-d tensor.\nHint: BCE averages over the batch by default.")
    want = losses.g_loss_nonsaturating(fake)
    if not close_enough(got, want):
        if close_enough(got, F.softplus(fake).mean()):
            fail(
                "the target label is wrong: this loss trains G to make D say 'fake'.\n"
                "Hint: G wants D(G(z)) -> 1: the fakes are judged against the label of real images."
            )
        if close_enough(got, losses.g_loss_minimax(fake)):
            fail(
                "this is the minimax loss log(1 - D(G(z))), which saturates when D wins.\n"
                "Hint: the non-saturating loss minimises -log D(G(z)): the fakes judged against the label G wants."
            )
        fail(
            f"g_loss gave {float(got):.4f}, expected {float(want):.4f}.\n"
            "Hint: -mean log D(G(z)) is one binary cross-entropy: which label does G want D to give its fakes?"
        )
    _stable(r["confident"], losses.g_loss_nonsaturating(CONFIDENT_REAL), "g_loss")
    return f"{OK} g_loss is the non-saturating -E[log D(G(z))] = {float(want):.4f} on the test logits."


def _mean_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = generator(seed + 11)
    return torch.randn(3, generator=g) * 2, torch.randn(3, generator=g) * 2


def _probe_mean(seed: int, d_loss) -> dict:
    real, fake = _mean_inputs(seed)
    return {
        "once": run_student("d_loss", d_loss, real, fake),
        "twice": run_student("d_loss", d_loss, real.repeat(2), fake.repeat(2)),
    }


@check(_probe_mean)
def hidden_d_loss_is_a_mean(r: dict, seed: int) -> str:
    """Repeating the batch must not change the loss: a mean over samples, not a sum."""
    once, twice = tensor(r, "once", "d_loss's result"), tensor(r, "twice", "d_loss's result")
    if once.numel() != 1 or twice.numel() != 1 or not close_enough(once, twice):
        fail("the D loss grows with the batch size.\nHint: average over the batch (BCE's default reduction='mean').")
    return f"{OK} hidden: the D loss is a mean over the batch."
