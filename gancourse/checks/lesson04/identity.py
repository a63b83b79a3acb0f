"""Lesson 04's identity loss: each generator, fed an image already in its target domain, should change nothing.

The probe's generators are affine maps that differ (G_AB(x) = 0.5x + c, G_BA(x) = 2x + c'), so feeding a
generator the wrong domain, or the domains the wrong way round, gives a different number; the images are
ramps, so the mean of |G(x) - x| differs from the squared error and from a sum.
"""

from __future__ import annotations

import torch

from ..common import OK, close_enough, fail, run_student
from ..protocol import check, generator, tensor
from .updates import AffineToy


def _inputs(seed: int):
    g = generator(seed + 17)
    ramp = torch.linspace(-1, 1, 36).view(1, 1, 6, 6)  # (1, 1, 6, 6)
    a = ramp * torch.rand(4, 1, 1, 1, generator=g)  # (4, 1, 6, 6) edge maps stand-ins
    b = -ramp * torch.rand(4, 1, 1, 1, generator=g) + 0.1  # (4, 1, 6, 6) bag stand-ins
    lam = float(1 + 9 * torch.rand(1, generator=g))
    return a, b, lam


def _nets(seed: int):
    g = generator(seed + 18)
    c_ab, c_ba = (float(v) * 0.3 for v in torch.randn(2, generator=g))  # G_AB and G_BA differ in scale and shift
    return AffineToy(c_ab, scale=0.5), AffineToy(c_ba, scale=2.0)


def _probe(seed: int, identity_loss) -> dict:
    a, b, lam = _inputs(seed)
    G_AB, G_BA = _nets(seed)
    loss = run_student("identity_loss", identity_loss, G_AB, G_BA, a, b, lam)
    grads = [None, None]
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.numel() == 1:
        loss.backward()
        grads = [G_AB.c.grad, G_BA.c.grad]
    zero = run_student("identity_loss", identity_loss, G_AB, G_BA, a, b, 0.0)
    return {"loss": loss, "zero": zero, "grads": grads}


def _reference(seed: int):
    a, b, lam = _inputs(seed)
    G_AB, G_BA = _nets(seed)
    loss = lam * ((G_AB(b) - b).abs().mean() + (G_BA(a) - a).abs().mean())
    loss.backward()
    wrong_way = lam * ((G_AB(a) - a).abs().mean() + (G_BA(b) - b).abs().mean()).detach()
    squared = lam * (((G_AB(b) - b) ** 2).mean() + ((G_BA(a) - a) ** 2).mean()).detach()
    return loss.detach(), [G_AB.c.grad, G_BA.c.grad], wrong_way, squared


@check(_probe)
def check_identity_loss(r: dict, seed: int) -> str:
    """lam_id·(E|G_AB(b) - b| + E|G_BA(a) - a|), differentiable in both generators, 0 at lam_id = 0."""
    got = tensor(r, "loss", "identity_loss's result")
    if got.numel() != 1:
        fail(
            f"identity_loss should return one number, got shape {tuple(got.shape)}.\nHint: average over every pixel "
            "of every image, then add the two directions."
        )
    want, grads, wrong_way, squared = _reference(seed)
    if close_enough(got, wrong_way) and not close_enough(got, want):
        fail(
            "identity_loss fed each generator an image from its own input domain.\nHint: the identity term asks "
            "G_AB to leave alone an image that is already in B (and G_BA one already in A)."
        )
    if close_enough(got, squared) and not close_enough(got, want):
        fail("that is the squared error.\nHint: CycleGAN's identity term is an L1 error, like its cycle term.")
    if not close_enough(got, want):
        fail(
            f"identity_loss gave {float(got):.4f}, expected {float(want):.4f}.\nHint: the mean absolute change each "
            "generator makes to an image of its target domain, both directions, times the weight you are given."
        )
    if r["grads"][0] is None or r["grads"][1] is None:
        fail(
            "no gradient reached the generators.\nHint: keep the translations in the graph: the identity term "
            "trains both generators."
        )
    if not all(close_enough(g, w) for g, w in zip(r["grads"], grads, strict=True)):
        fail(
            "the gradients reaching the generators are wrong.\nHint: each direction's term depends on its own "
            "generator only."
        )
    zero = tensor(r, "zero", "identity_loss's result at weight 0")
    if zero.numel() != 1 or abs(float(zero)) > 1e-8:
        fail("with weight 0 the identity loss should be 0.\nHint: multiply the whole term by the weight you are given.")
    return f"{OK} identity_loss: the L1 change of an in-domain image, both directions, weighted, with its gradients."
