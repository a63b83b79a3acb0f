"""Lesson 09's operations in W: style mixing (which layers take which latent) and truncation towards w_avg."""

from __future__ import annotations

import torch

from ..common import OK, fail, run_student, shape_of
from ..protocol import check, generator, tensor


def _ws(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = generator(seed)
    return torch.randn(3, 5, generator=g), torch.randn(3, 5, generator=g), torch.randn(5, generator=g)  # w1, w2, w_avg


def _probe_mix(seed: int, mix_styles) -> dict:
    w1, w2, _ = _ws(seed)
    return {
        f"{k}/{n}": run_student("mix_styles", mix_styles, w1.clone(), w2.clone(), k, n)
        for n, k in ((6, 1), (6, 4), (8, 3))
    }


@check(_probe_mix)
def check_mix_styles(r: dict, seed: int) -> str:
    """(N, n_styles, w_dim): the layers before the crossover take w1, the others w2."""
    w1, w2, _ = _ws(seed)
    for key, got in r.items():
        k, n = map(int, key.split("/"))
        got = tensor(r, key, "mix_styles' output")
        if tuple(got.shape) != (3, n, 5):
            fail(
                f"mix_styles(w1, w2, {k}, {n}) on w's of shape (3, 5) gave {shape_of(got)}, expected (3, {n}, 5).\n"
                "Hint: one w per style layer: (N, n_styles, w_dim)."
            )
        want = torch.cat([w1[:, None].expand(-1, k, -1), w2[:, None].expand(-1, n - k, -1)], dim=1)
        if not torch.equal(got, want):
            fail(
                f"with crossover {k} of {n} layers the styles are not w1 for layers 0..{k - 1} and w2 from layer {k} "
                "on.\nHint: the first (coarse, low-resolution) layers take the first latent, the later (fine) ones "
                "the second; every sample keeps its own pair."
            )
    return f"{OK} mix_styles: coarse layers from w1, fine layers from w2, for any crossover."


def _probe_truncate(seed: int, truncate_w) -> dict:
    w1, _, w_avg = _ws(seed)
    layered = w1[:, None].expand(-1, 4, -1)  # (3, 4, 5): one w per layer, as the generator passes them
    out = {f"{psi}": run_student("truncate_w", truncate_w, w1.clone(), w_avg.clone(), psi) for psi in (1.0, 0.0, 0.7)}
    out["layered"] = run_student("truncate_w", truncate_w, layered.clone(), w_avg.clone(), 0.5)
    return out


@check(_probe_truncate)
def check_truncate_w(r: dict, seed: int) -> str:
    """w_avg + psi · (w - w_avg), for (N, w_dim) and (N, L, w_dim) styles."""
    w, _, w_avg = _ws(seed)
    for psi in (1.0, 0.0, 0.7):
        got = tensor(r, f"{psi}", "truncate_w's output")
        want = w_avg + psi * (w - w_avg)
        if tuple(got.shape) != tuple(w.shape) or not torch.allclose(got, want, atol=1e-5):
            towards_zero = tuple(got.shape) == tuple(w.shape) and torch.allclose(got, psi * w, atol=1e-5)
            fail(
                f"with psi = {psi} truncate_w gives "
                + ("psi · w, a pull towards 0." if towards_zero else f"{shape_of(got)} values that are not right.")
                + "\nHint: truncation pulls w towards the *average* w of the mapping network's outputs, not towards "
                "the origin: W is not centred at 0, and psi = 0 must give the average image."
            )
    layered = tensor(r, "layered", "truncate_w's output")
    want = (w_avg + 0.5 * (w - w_avg))[:, None].expand(-1, 4, -1)  # (3, 4, 5)
    if tuple(layered.shape) != (3, 4, 5) or not torch.allclose(layered, want):
        fail(
            "on styles of shape (N, L, w_dim) truncate_w fails.\nHint: w_avg (w_dim,) broadcasts over every leading "
            "dimension; the generator passes one w per layer."
        )
    return f"{OK} truncate_w: towards w_avg, psi = 1 unchanged, psi = 0 the average, any leading shape."


__all__ = ["check_mix_styles", "check_truncate_w"]
