"""Checks for lesson 05: conditional BatchNorm, the projection output, the hinge loss (and its margins, hidden)
and truncation. Probe and verdict: see :mod:`.protocol`.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.overrides import TorchFunctionMode

from .common import OK, close_enough, fail, run_student, shape_of
from .protocol import check, generator, tensor
from .training import TRAINS


def _cbn_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = generator(seed)
    return torch.randn(6, 4, 3, 3, generator=g), torch.randn(6, 6, generator=g)  # x (6, 4, 3, 3), c (6, 6)


_PERM = torch.tensor([5, 4, 3, 2, 1, 0])


def _probe_cbn(seed: int, ConditionalBN) -> dict:
    torch.manual_seed(seed)
    cbn = run_student("ConditionalBN(4, 6)", ConditionalBN, 4, 6)
    if not isinstance(cbn, nn.Module):
        fail("ConditionalBN should be a class that subclasses nn.Module.\nHint: class ConditionalBN(nn.Module): ...")
    bns = [m for m in cbn.modules() if isinstance(m, nn.BatchNorm2d)]
    x, c = _cbn_inputs(seed)
    outs = {
        k: run_student("ConditionalBN.forward", cbn, x, cond)
        for k, cond in (("zero", torch.zeros(6, 6)), ("same", c[:1].expand(6, -1)))
    }
    # c, 2c and c permuted in one call: the same weights for all three even when spectral norm's power iteration
    # moves them per call; BatchNorm's statistics of [x, x, x] are those of x
    three = run_student(
        "ConditionalBN.forward", cbn, torch.cat([x, x, x]), torch.cat([c, 2 * c, c[_PERM]])
    )  # (18, 4, 3, 3)
    ok = isinstance(three, torch.Tensor) and len(three) == 18
    outs["c"], outs["double"], outs["swapped"] = three.split(6) if ok else (three, three, three)
    if isinstance(outs["c"], torch.Tensor) and outs["c"].requires_grad:
        outs["c"].sum().backward()
    no_grad = [n for n, p in cbn.named_parameters() if p.requires_grad and p.grad is None]
    return {
        **outs,
        "bns": [{"affine": bool(b.affine), "eps": float(b.eps)} for b in bns],
        "no_grad": no_grad,
        "spectral": [_spectral(m) for m in cbn.modules() if isinstance(m, nn.Linear)],
    }


def _spectral(m: nn.Module) -> bool:
    """Whether ``m.weight`` is divided by its largest singular value (the parametrization, or the older hook)."""
    if parametrize.is_parametrized(m, "weight"):
        return any("SpectralNorm" in type(f).__name__ for f in m.parametrizations["weight"])
    return hasattr(m, "weight_orig") and hasattr(m, "weight_u")


@check(_probe_cbn)
def check_conditional_bn(r: dict, seed: int) -> str:
    """ConditionalBN(C, cond_dim)(x, c) = BN(x) · (1 + gain(c)) + bias(c): BN without affine, gain and bias "
    "linear in c."""
    if len(r["bns"]) != 1 or r["bns"][0]["affine"] is not False:
        fail(
            "ConditionalBN should hold one BatchNorm2d without its own scale and shift.\n"
            "Hint: the condition supplies scale and shift, so the BatchNorm must not learn a second pair."
        )
    if not r["spectral"] or not all(r["spectral"]):
        fail(
            "ConditionalBN's linear maps are not spectrally normalised.\nHint: BigGAN divides every weight matrix of "
            "G and D by its largest singular value, the maps that compute the scale and the shift included."
        )
    x, _ = _cbn_inputs(seed)
    plain = nn.functional.batch_norm(x, None, None, training=True, eps=float(r["bns"][0]["eps"]))  # BN(x), no affine
    out0 = r["zero"]
    if not isinstance(out0, torch.Tensor) or out0.shape != x.shape:
        fail(
            f"the output should keep the input's shape {tuple(x.shape)}, got {shape_of(out0)}.\nHint: the per-sample "
            "scale and shift are (N, C): give them two trailing size-1 dimensions to broadcast over H and W."
        )
    if not torch.allclose(out0.float(), plain, atol=1e-4):
        if out0.abs().max() < 1e-6:
            fail(
                "with a zero condition the output is 0.\nHint: at c = 0 the layer must be plain BatchNorm: the "
                "scale is 1 plus a learnt term, not the learnt term alone."
            )
        fail(
            "with a zero condition the layer should be plain BatchNorm.\n"
            "Hint: at c = 0 the learnt parts of the scale and of the shift must both vanish: a linear map of c "
            "with no constant term does."
        )
    out, out2 = (tensor(r, k, "ConditionalBN's output") for k in ("c", "double"))
    same, swapped = (tensor(r, k, "ConditionalBN's output") for k in ("same", "swapped"))
    if any(t.shape != x.shape for t in (out, out2, same, swapped)):
        fail(f"the output should keep the input's shape {tuple(x.shape)}.\nHint: broadcast over H and W.")
    if torch.allclose(out, plain, atol=1e-4):
        fail("the condition changes nothing.\nHint: compute a scale and a shift from c (one linear layer each).")
    if torch.allclose(swapped, out, atol=1e-5):
        fail("every sample got the same scale and shift.\nHint: sample i's scale and shift come from its own c_i.")
    if not torch.allclose(out2 - plain, 2 * (out - plain), atol=1e-3, rtol=1e-3):
        fail("scale and shift are not linear in the condition.\nHint: gain(c) and bias(c) are linear maps of c.")
    shift = (same - plain).mean(dim=(0, 2, 3))  # (C,): BN(x) has mean 0 per channel, so what is left is bias(c)
    if shift.abs().max() < 1e-5:
        fail("the shift is missing.\nHint: add bias(c), the condition's shift, after scaling.")
    if r["no_grad"]:
        fail("some of ConditionalBN's parameters get no gradient.\nHint: use every layer you create in forward().")
    return f"{OK} conditional BatchNorm: BN(x) · (1 + gain(c)) + bias(c), each sample its own scale and shift."


def _projection_inputs(seed: int):
    torch.manual_seed(seed)
    phi, y = torch.randn(5, 6), torch.tensor([0, 3, 3, 1, 2])  # (5, 6), (5,)
    return phi, y, nn.Linear(6, 1), nn.Embedding(4, 6)


def _probe_projection(seed: int, projection_logits) -> dict:
    return {"out": run_student("projection_logits", projection_logits, *_projection_inputs(seed))}


@check(_probe_projection)
def check_projection(r: dict, seed: int) -> str:
    """projection_logits(phi, y, psi, embed) = psi(phi) + <embed(y), phi>, shape (N,)."""
    phi, y, psi, embed = _projection_inputs(seed)
    with torch.no_grad():
        uncond, cond = psi(phi).squeeze(1), (embed(y) * phi).sum(1)  # (5,) each
    out = r["out"]
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (5,):
        fail(
            f"you returned {shape_of(out)}, expected one logit per image: (5,).\n"
            "Hint: the inner product of two (N, F) tensors row by row is one number per row; psi(phi) is (N, 1)."
        )
    out = out.float()
    if not torch.allclose(out, uncond + cond, atol=1e-5):
        if torch.allclose(out, cond, atol=1e-5):
            fail("the unconditional term is missing.\nHint: D(x, y) = psi(phi(x)) + e_y . phi(x): both terms.")
        if torch.allclose(out, uncond, atol=1e-5):
            fail("the class term is missing.\nHint: the label enters through the inner product of e_y with phi(x).")
        fail(
            "the logits differ from psi(phi) + <e_y, phi>.\nHint: e_y is the embedding row of each sample's own label."
        )
    return f"{OK} projection discriminator: psi(phi(x)) + <e_y, phi(x)>."


def _hinge_logits(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    if seed == 0:
        return torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 0.5])
    g = generator(seed)
    return torch.randn(3, generator=g) * 2, torch.randn(3, generator=g) * 2


def _probe_hinge(seed: int, d_hinge, g_hinge) -> dict:
    real, fake = _hinge_logits(seed)
    return {"d": run_student("d_hinge", d_hinge, real, fake), "g": run_student("g_hinge", g_hinge, fake)}


@check(_probe_hinge)
def check_hinge(r: dict, seed: int) -> str:
    """d_hinge = E[relu(1 - s_real)] + E[relu(1 + s_fake)], g_hinge = -E[s_fake]."""
    real, fake = _hinge_logits(seed)
    d, want_d = tensor(r, "d", "d_hinge's result"), torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()
    if not close_enough(d, want_d):
        hint = "Hint: each term is the mean of max(0, 1 -/+ logit): zero once a logit is beyond its margin."
        if close_enough(d, (torch.relu(1 + real).mean() + torch.relu(1 - fake).mean())):
            hint = "Hint: the signs are swapped: real logits should be pushed above +1, fake ones below -1."
        fail(f"d_hinge gave {float(d):.4f} on our test logits, expected {float(want_d):.4f}.\n{hint}")
    g, want_g = tensor(r, "g", "g_hinge's result"), -fake.mean()
    if not close_enough(g, want_g):
        hint = "Hint: G's hinge loss is minus D's mean score of the fakes."
        if close_enough(g, torch.relu(1 - fake).mean()):
            hint = "Hint: G's loss is not clipped: it keeps pushing D's score of the fakes up, without a margin."
        fail(f"g_hinge gave {float(g):.4f}, expected {float(want_g):.4f}.\n{hint}")
    return f"{OK} hinge losses: D only learns from samples inside the margin, G raises D's score of its fakes."


_RANDOM = {"randn", "randn_like", "rand", "rand_like", "normal", "normal_", "uniform_", "randint", "bernoulli"}
SWEEP = (64, 96, 0.25)  # the lesson's sweep: BigGAN's 96-d z at its smallest threshold


class _DrawBudget(TorchFunctionMode):
    """Counts the random numbers torch draws and stops code that would draw (nearly) forever.

    Redrawing only the entries outside [-t, t] draws about n·dim / P(|z| < t) numbers (5 n·dim at t = 0.25);
    redrawing whole rows until a row lies inside needs P(|z| < t)^-dim tries: about 1e68 for 96 dims.
    """

    def __init__(self, limit: int, seconds: float):
        super().__init__()
        self.limit, self.deadline, self.drawn = limit, time.monotonic() + seconds, 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if getattr(func, "__name__", "") in _RANDOM and isinstance(out, torch.Tensor):
            self.drawn += out.numel()
        if self.drawn > self.limit or time.monotonic() > self.deadline:
            fail(
                f"truncated_z({SWEEP[0]}, {SWEEP[1]}, {SWEEP[2]}), the lesson's truncation sweep, drew more than "
                f"{self.limit:,} random numbers (or ran for seconds) without finishing: it would never end there.\n"
                "Hint: the chance that a whole row of 96 entries lies inside [-t, t] is P(|z| < t)^96; each entry "
                "is truncated on its own, so only the entries outside need a new draw."
            )
        return out


def _probe_truncation(seed: int, truncated_z) -> dict:
    torch.manual_seed(seed)
    z = run_student("truncated_z", truncated_z, 20000, 4, 1.0)
    n, dim, t = SWEEP
    with _DrawBudget(limit=200 * n * dim, seconds=10.0):
        sweep = run_student("truncated_z", truncated_z, n, dim, t)
    return {"z": z, "sweep": sweep}


@check(_probe_truncation)
def check_truncation(r: dict, seed: int) -> str:
    """truncated_z(n, dim, threshold) resamples entries with |z| > threshold until all are inside."""
    z = r["z"]
    if not isinstance(z, torch.Tensor) or tuple(z.shape) != (20000, 4) or not z.is_floating_point():
        fail(
            f"truncated_z(20000, 4, 1.0) gave {shape_of(z)}, expected a (20000, 4) float tensor.\n"
            "Hint: start from standard normal noise of that shape."
        )
    z = z.float()
    top, edge, std = float(z.abs().max()), float((z.abs() > 0.999).float().mean()), float(z.std())
    if top > 1.0:
        fail(
            f"some values lie outside [-1, 1] (max |z| = {top:.2f}).\n"
            "Hint: keep redrawing the entries that are still outside until none is left."
        )
    if edge > 0.01:
        fail(
            "values pile up at the threshold: they were clamped, not redrawn.\n"
            "Hint: clamping changes the distribution; out-of-range entries must be drawn again."
        )
    # the std of N(0, 1) truncated to [-1, 1] is sqrt(1 - 2·pdf(1) / (2·cdf(1) - 1)) ≈ 0.538
    pdf, cdf = math.exp(-0.5) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    want = math.sqrt(1 - 2 * pdf / (2 * cdf - 1))
    if abs(std - want) > 0.02:
        fail(
            f"the spread is {std:.3f}, a truncated normal has {want:.3f}.\n"
            "Hint: rescaling z is not the truncation trick; redraw the entries outside instead."
        )
    sweep = r["sweep"]
    if not isinstance(sweep, torch.Tensor) or tuple(sweep.shape) != SWEEP[:2] or float(sweep.abs().max()) > SWEEP[2]:
        fail(
            f"truncated_z{SWEEP} gave {shape_of(sweep)} with values outside [-{SWEEP[2]}, {SWEEP[2]}]; expected a "
            f"{SWEEP[:2]} tensor inside.\nHint: the threshold and the shape are arguments: use them, not fixed values."
        )
    return f"{OK} truncation: z is a truncated normal (std {std:.3f}, theory {want:.3f}), fast at the sweep's t = 0.25."


def _probe_margins(seed: int, d_hinge, g_hinge) -> dict:
    return {
        "zero": run_student("d_hinge", d_hinge, torch.tensor([1.0, 3.0]), torch.tensor([-1.0, -2.5])),
        "g": run_student("g_hinge", g_hinge, torch.tensor([-3.0, 5.0])),
    }


@check(_probe_margins)
def hidden_hinge_margins(r: dict, seed: int) -> str:
    """No D loss once real logits are >= 1 and fake logits <= -1; G's loss is linear in the fake logits."""
    zero, g = tensor(r, "zero", "d_hinge's result"), tensor(r, "g", "g_hinge's result")
    if zero.numel() != 1 or not close_enough(zero, 0.0):
        fail(
            "D's hinge loss should be 0 when every real logit is >= 1 and every fake logit <= -1.\n"
            "Hint: each term stops pushing once its logit is past the margin (real >= 1, fake <= -1)."
        )
    if g.numel() != 1 or not close_enough(g, -1.0):
        fail(
            "G's hinge loss for fake logits (-3, 5) should be -1.\n"
            "Hint: G's loss keeps pushing D's scores of its fakes up: no margin, no clipping."
        )
    return f"{OK} hidden: hinge margins."


HIDDEN = [("hidden: hinge margins", "hidden_hinge_margins", ("d_hinge", "g_hinge")), TRAINS["05"]]
