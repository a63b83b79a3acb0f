"""Checks for lesson 01: the MLP GAN, its losses and its two training steps.

Each check is a probe (runs the student's code, returns values) and a verdict (judges the values
against what the library computes itself on the same inputs): see :mod:`.protocol`. The two
training steps are in :mod:`.lesson01_steps`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import losses
from ._common import (
    OK,
    _close,
    _fail,
    _logit_range,
    _output_range,
    _own_sample,
    _run,
    _shaped,
    kinds,
)
from .network_probes import probe_discriminator, probe_generator
from .protocol import check, generator, tensor

# ------------------------------------------------------------------ networks


def _probe_generator(seed: int, Generator) -> dict:
    return probe_generator(seed, Generator, 16, gradients=True)


@check(_probe_generator)
def check_generator(r: dict, seed: int) -> str:
    """G maps (N, z_dim) noise to (N, 1, 28, 28) images in [-1, 1], with BatchNorm and a tanh output."""
    z_dim = int(r["z_dim"])
    _shaped(
        r["out"],
        "Generator",
        (16, z_dim),
        (16, 1, 28, 28),
        "the last layer gives 784 numbers per image: reshape them to one 1x28x28 image each.",
    )
    if "BatchNorm1d" not in kinds(r["layers"]):
        _fail(
            "the Generator has no BatchNorm1d.\nHint: the Keras model normalises every hidden layer's pre-activations "
            "(batch normalisation over the features of each layer); the output layer is not normalised."
        )
    _output_range(tensor(r, "extreme", "Generator's output"), "Generator")
    _own_sample(r.get("per_sample"), "the Generator")
    if r["no_grad"]:
        _fail(f"no gradient reaches {r['no_grad'][0]}.\nHint: don't use torch.no_grad() or .detach() inside forward().")
    return f"{OK} Generator: (N, {z_dim}) noise -> (N, 1, 28, 28) images in [-1, 1]. Well done!"


def _probe_discriminator(seed: int, Discriminator) -> dict:
    return probe_discriminator(seed, Discriminator, 16)


@check(_probe_discriminator)
def check_discriminator(r: dict, seed: int) -> str:
    """D maps (N, 1, 28, 28) images to (N,) unbounded logits, with LeakyReLU."""
    _shaped(
        r["out"],
        "Discriminator",
        (16, 1, 28, 28),
        (16,),
        "one logit per image: drop the size-1 dimension of the last layer's output.",
    )
    _logit_range(tensor(r, "extreme", "Discriminator's output"), "Discriminator")
    if "LeakyReLU" not in kinds(r["layers"]):
        _fail(
            "the Discriminator has no LeakyReLU.\n"
            "Hint: use nn.LeakyReLU(0.2) between layers, so G still gets a gradient where D's units are negative."
        )
    return f"{OK} Discriminator: (N, 1, 28, 28) images -> (N,) logits. Well done!"


# ------------------------------------------------------------------ losses


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
    got = _run("d_loss", d_loss, real.requires_grad_(), fake)
    return {
        "value": got,
        "requires_grad": bool(getattr(got, "requires_grad", False)),
        "confident": _run("d_loss", d_loss, CONFIDENT_REAL.clone(), CONFIDENT_FAKE.clone()),
    }


def _stable(got, want: torch.Tensor, what: str) -> None:
    """Verdict: the loss must stay right for logits far from 0 (a sigmoid then a log loses them to rounding)."""
    if not isinstance(got, torch.Tensor) or got.numel() != 1 or not _close(got, want):
        _fail(
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
        _fail("d_loss should return one number as a 0-d tensor.\nHint: average with .mean() (BCE does by default).")
    want = losses.d_loss_bce(real, fake)
    if not _close(got, want):
        if _close(got, F.softplus(real).mean() + F.softplus(-fake).mean()):
            _fail("the labels are swapped.\nHint: real images have target 1 (torch.ones_like), fakes target 0.")
        if _close(got, want / 2):
            _fail("you averaged the two terms.\nHint: add the real and the fake BCE terms (do not divide by 2).")
        if _close(
            got,
            F.binary_cross_entropy_with_logits(torch.sigmoid(real), torch.ones(3))
            + F.binary_cross_entropy_with_logits(torch.sigmoid(fake), torch.zeros(3)),
        ):
            _fail("a sigmoid is applied before BCE-with-logits.\nHint: pass the logits straight in.")
        _fail(
            f"d_loss gave {float(got):.4f} for our test logits, expected {float(want):.4f}.\n"
            "Hint: L_D = -mean log D(x) - mean log(1 - D(G(z))) with D = sigmoid(logit): two binary cross-entropies, "
            "one per half of the batch, each against that half's label."
        )
    _stable(r["confident"], losses.d_loss_bce(CONFIDENT_REAL, CONFIDENT_FAKE), "d_loss")
    if r["requires_grad"] is not True:
        _fail("d_loss's result has no gradient.\nHint: don't call .item(), .detach() or torch.no_grad() inside it.")
    return f"{OK} d_loss matches -E[log D(x)] - E[log(1 - D(G(z)))] = {float(want):.4f} on the test logits."


def _probe_g_loss(seed: int, g_loss) -> dict:
    return {
        "value": _run("g_loss", g_loss, logits(seed)[1].requires_grad_()),
        "confident": _run("g_loss", g_loss, CONFIDENT_REAL.clone()),
    }


@check(_probe_g_loss)
def check_g_loss(r: dict, seed: int) -> str:
    """g_loss(fake_logits) = -mean log D(G(z)), the non-saturating generator loss."""
    fake = logits(seed)[1]
    got = tensor(r, "value", "g_loss's result")
    if got.ndim != 0:
        _fail("g_loss should return one number as a 0-d tensor.\nHint: BCE averages over the batch by default.")
    want = losses.g_loss_nonsaturating(fake)
    if not _close(got, want):
        if _close(got, F.softplus(fake).mean()):
            _fail(
                "the target label is wrong: this loss trains G to make D say 'fake'.\n"
                "Hint: G wants D(G(z)) -> 1: the fakes are judged against the label of real images."
            )
        if _close(got, losses.g_loss_minimax(fake)):
            _fail(
                "this is the minimax loss log(1 - D(G(z))), which saturates when D wins.\n"
                "Hint: the non-saturating loss minimises -log D(G(z)): the fakes judged against the label G wants."
            )
        _fail(
            f"g_loss gave {float(got):.4f}, expected {float(want):.4f}.\n"
            "Hint: -mean log D(G(z)) is one binary cross-entropy: which label does G want D to give its fakes?"
        )
    _stable(r["confident"], losses.g_loss_nonsaturating(CONFIDENT_REAL), "g_loss")
    return f"{OK} g_loss is the non-saturating -E[log D(G(z))] = {float(want):.4f} on the test logits."
