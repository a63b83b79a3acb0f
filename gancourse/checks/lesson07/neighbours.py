"""Lesson 07's k-NN precision and recall (Kynkäänniemi et al. 2019), compared with the library on fakes that are
tight, partial or partly far off, for several k."""

from __future__ import annotations

import torch

from ...evaluation.metrics import precision_recall
from ..common import OK, fail
from ..protocol import check, generator
from .distances import call_on_copies, number, unchanged


def _pr_inputs(seed: int) -> dict[str, tuple[torch.Tensor, torch.Tensor, int]]:
    g = generator(seed)
    real = torch.randn(60, 3, generator=g, dtype=torch.float64) * 2  # a wide cloud
    tight = torch.randn(40, 3, generator=g, dtype=torch.float64) * 0.3 + 0.5  # fakes in one corner of it
    half = real[real[:, 0].argsort(descending=True)[:25]] + 0.05 * torch.randn(25, 3, generator=g, dtype=torch.float64)
    far = torch.randn(30, 3, generator=g, dtype=torch.float64) + 6
    return {
        "tight": (real, tight, 3),
        "half": (real, half, 3),
        "far": (real, torch.cat([far, half]), 5),
        "k1": (real, tight, 1),
    }


def _probe_pr(seed: int, precision_recall) -> dict:
    out = {"mutated": False}
    for name, (real, fake, k) in _pr_inputs(seed).items():
        got, changed = call_on_copies("precision_recall", precision_recall, real, fake, k=k)
        out[name] = list(got) if isinstance(got, (tuple, list)) else f"<{type(got).__name__}>"
        out["mutated"] |= changed
    return out


@check(_probe_pr)
def check_precision_recall(r: dict, seed: int) -> str:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-th neighbour balls, for several k."""
    unchanged(r, "precision_recall")
    for name, (real, fake, k) in _pr_inputs(seed).items():
        pair = r[name]
        if not isinstance(pair, list) or len(pair) != 2:
            fail(f"precision_recall returned {pair}, expected a pair (precision, recall).\nHint: return two numbers.")
        hint = "return two floats or 0-d tensors."
        p, q = (number(v, "precision_recall", hint) for v in pair)
        want_p, want_q = precision_recall(real, fake, k=k)
        if abs(p - want_p) < 1e-9 and abs(q - want_q) < 1e-9:
            continue
        if abs(p - want_q) < 1e-9 and abs(q - want_p) < 1e-9 and abs(want_p - want_q) > 1e-9:
            fail(
                f"precision and recall come back swapped ({p:.3f}, {q:.3f}).\nHint: precision asks whether the fakes "
                "are realistic (inside the real manifold), recall whether the real variety is covered."
            )
        fail(
            f"for {len(real)} real and {len(fake)} fake points with k = {k} you get precision {p:.3f} and recall "
            f"{q:.3f}, expected {want_p:.3f} and {want_q:.3f}.\nHint: precision counts fakes inside some ball around "
            "a real point whose radius is that real point's distance to its k-th nearest *real* neighbour (itself "
            "not counted); recall swaps the roles of the two sets."
        )
    return f"{OK} precision_recall: right for tight, partial and far-off fakes, and for k = 1, 3, 5."
